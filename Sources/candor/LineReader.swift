import Foundation

/// Reads a file or standard input line by line in fixed-size chunks, so input of any size
/// streams through bounded memory.
struct LineReader: Sequence, IteratorProtocol {
    private let handle: FileHandle
    private var buffer = Data()
    private var finished = false
    private let chunkSize = 1 << 16

    /// `path` `-` means standard input.
    init(path: String) throws {
        if path == "-" {
            handle = .standardInput
        } else {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw CLIError("cannot read \(path): no such file or not readable").exit
            }
            self.handle = handle
        }
    }

    mutating func next() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                var line = buffer[buffer.startIndex..<newline]
                if line.last == 0x0D { line = line.dropLast() }
                buffer.removeSubrange(buffer.startIndex...newline)
                return String(decoding: line, as: UTF8.self)
            }
            if finished {
                guard !buffer.isEmpty else { return nil }
                defer { buffer.removeAll() }
                return String(decoding: buffer, as: UTF8.self)
            }
            let chunk = handle.readData(ofLength: chunkSize)
            if chunk.isEmpty { finished = true } else { buffer.append(chunk) }
        }
    }
}
