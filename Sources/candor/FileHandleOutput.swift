import Foundation

/// Writing text to standard output and standard error without buffering surprises.
enum FileHandleOutput {
    case standardOutput, standardError

    func write(_ text: String) {
        let handle: FileHandle = self == .standardOutput ? .standardOutput : .standardError
        handle.write(Data(text.utf8))
    }
}
