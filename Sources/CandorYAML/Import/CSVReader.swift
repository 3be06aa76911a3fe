/// Reads RFC 4180 CSV: comma-separated fields, double-quoted fields that may hold commas,
/// quotes (doubled) and line breaks, CRLF or LF line ends, an optional UTF-8 byte-order mark.
///
/// Each record carries the 1-based line it starts on, so errors can name it.
public struct CSVReader {
    public struct Record: Equatable, Sendable {
        public var line: Int
        public var fields: [String]
        public init(line: Int, fields: [String]) {
            self.line = line
            self.fields = fields
        }
    }

    public struct Failure: Error, Equatable, Sendable {
        public var line: Int
        public var message: String
    }

    /// Every record of `text`; blank lines are skipped.
    public static func records(_ text: String) throws(Failure) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var fieldWasQuoted = false
        var line = 1
        var recordLine = 1
        var quoteOpenedOn = 0
        var characters = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        var first = true

        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty && !fieldWasQuoted) {
                records.append(Record(line: recordLine, fields: fields))
            }
            fields = []
            field = ""
            fieldWasQuoted = false
        }

        while let scalar = pending ?? characters.next() {
            pending = nil
            if first {
                first = false
                if scalar == "\u{FEFF}" { continue }
            }
            if inQuotes {
                if scalar == "\"" {
                    let next = characters.next()
                    if next == "\"" {
                        field.unicodeScalars.append("\"")
                    } else {
                        inQuotes = false
                        pending = next
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"":
                guard field.isEmpty, !fieldWasQuoted else {
                    throw Failure(line: line, message: "a quote inside an unquoted field; quote the whole field and double inner quotes (\"\")")
                }
                inQuotes = true
                fieldWasQuoted = true
                quoteOpenedOn = line
            case ",":
                fields.append(field)
                field = ""
                fieldWasQuoted = false
            case "\r":
                let next = characters.next()
                if next != "\n" { pending = next }
                endRecord()
                line += 1
                recordLine = line
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            default:
                if fieldWasQuoted {
                    throw Failure(line: line, message: "text after a closing quote; expected a comma or the end of the line")
                }
                field.unicodeScalars.append(scalar)
            }
        }
        if inQuotes { throw Failure(line: quoteOpenedOn, message: "a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRecord() }
        return records
    }
}
