import CLZ4

/// LZ4 block compression (liblz4), the per-block codec of SSTables.
@_spi(Benchmarks) public enum LZ4 {
    /// The largest output `compress` can produce for `count` input bytes.
    @_spi(Benchmarks) public static func compressBound(_ count: Int) -> Int {
        Int(LZ4_compressBound(Int32(count)))
    }

    /// Compresses `source` into `destination`, which must hold `compressBound(source.count)` bytes.
    /// Returns the compressed length, or `nil` when liblz4 reports failure.
    @_spi(Benchmarks) public static func compress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) -> Int? {
        guard let sourceBase = source.baseAddress, let destinationBase = destination.baseAddress else {
            return source.isEmpty ? 0 : nil
        }
        let written = LZ4_compress_default(
            sourceBase.assumingMemoryBound(to: CChar.self),
            destinationBase.assumingMemoryBound(to: CChar.self),
            Int32(source.count), Int32(destination.count))
        return written > 0 ? Int(written) : nil
    }

    /// Decompresses `source` into `destination`, which must be exactly the original length.
    /// Returns `false` when the input is malformed or does not decode to exactly that length.
    @_spi(Benchmarks) public static func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) -> Bool {
        guard let sourceBase = source.baseAddress, let destinationBase = destination.baseAddress else {
            return destination.isEmpty
        }
        let produced = LZ4_decompress_safe(
            sourceBase.assumingMemoryBound(to: CChar.self),
            destinationBase.assumingMemoryBound(to: CChar.self),
            Int32(source.count), Int32(destination.count))
        return produced == Int32(destination.count)
    }
}
