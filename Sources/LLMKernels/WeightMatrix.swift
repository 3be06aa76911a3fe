/// A read-only weight matrix in some format: `rows` rows of `columns` elements each, rows
/// contiguous (ggml's layout for a tensor of shape [columns, rows]).
public struct WeightMatrix: @unchecked Sendable {
    // @unchecked Sendable: `data` points into a read-only memory mapping (or an array kept alive
    // by the owner of this value) that nothing writes after loading.
    public let data: UnsafeRawPointer
    public let format: WeightFormat
    public let rows: Int
    public let columns: Int
    public let rowBytes: Int

    public init(data: UnsafeRawPointer, format: WeightFormat, rows: Int, columns: Int) {
        self.data = data
        self.format = format
        self.rows = rows
        self.columns = columns
        self.rowBytes = format.rowBytes(columns: columns)
    }

    /// Decodes row `row` into `output` (`columns` floats).
    public func dequantizeRow(_ row: Int, into output: UnsafeMutablePointer<Float>) {
        Dequantize.row(format, from: data + row * rowBytes, count: columns, into: output)
    }
}
