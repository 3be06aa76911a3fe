/// GPT-2's reversible mapping between bytes and printable Unicode characters, so every byte
/// sequence becomes a string of "visible" characters that BPE merges operate on.
enum ByteLevel {
    /// Character for each byte value.
    static let byteToCharacter: [Character] = {
        var printable: [Int] = Array(33...126) + Array(161...172) + Array(174...255)
        var mapping = [Character](repeating: " ", count: 256)
        var next = 256
        for byte in 0..<256 {
            if printable.contains(byte) {
                mapping[byte] = Character(Unicode.Scalar(UInt32(byte))!)
            } else {
                mapping[byte] = Character(Unicode.Scalar(UInt32(next))!)
                next += 1
            }
        }
        printable.removeAll()
        return mapping
    }()

    /// Byte for each mapped character.
    static let characterToByte: [Character: UInt8] = {
        var map: [Character: UInt8] = [:]
        for (byte, character) in byteToCharacter.enumerated() { map[character] = UInt8(byte) }
        return map
    }()

    static func encode<S: Sequence>(_ bytes: S) -> [Character] where S.Element == UInt8 {
        bytes.map { byteToCharacter[Int($0)] }
    }
}
