import Testing
@testable import TernEngine

@Suite struct WriteBatchTests {
    @Test func encodesOperationsInOrder() throws {
        var batch = WriteBatch()
        batch.put(Array("k1".utf8), Array("v1".utf8))
        batch.delete(Array("k2".utf8))
        batch.put([UInt8](), [UInt8]())
        batch.sequence = SequenceNumber(42)
        batch.stamp = HybridTimestamp(physicalMicroseconds: 1_000_000, logical: 1)  // 1970-01-01T00:00:01Z#1
        #expect(batch.count == 3)
        #expect(hex(batch.representation) ==
            "2a00000000000000" + "03000000" + "010024f400000000" + "01026b31027631" + "00026b32" + "010000")
        var seen: [String] = []
        try batch.forEach { kind, key, value in
            seen.append("\(kind)|\(String(decoding: key, as: UTF8.self))|\(String(decoding: value, as: UTF8.self))")
        }
        #expect(seen == ["value|k1|v1", "deletion|k2|", "value||"])
    }

    @Test func appendConcatenates() throws {
        var first = WriteBatch()
        first.put([1], [2])
        var second = WriteBatch()
        second.delete([3])
        second.put([4], [5])
        first.append(contentsOf: second)
        #expect(first.count == 3)
        var keys: [[UInt8]] = []
        try first.forEach { _, key, _ in keys.append(Array(key)) }
        #expect(keys == [[1], [3], [4]])
    }

    @Test func truncatedOrMiscountedBatchesAreCorruption() {
        var batch = WriteBatch()
        batch.put([1, 2, 3], [4, 5, 6])
        let bytes = batch.representation
        for cut in WriteBatch.headerSize..<bytes.count {
            #expect(throws: TernError.self) {
                try WriteBatch(representation: Array(bytes[0..<cut])).forEach { _, _, _ in }
            }
        }
        var miscounted = bytes
        miscounted[8] = 2
        #expect(throws: TernError.self) { try WriteBatch(representation: miscounted).forEach { _, _, _ in } }
    }

    @Test func oversizedKeysAndValuesAreRefused() {
        var batch = WriteBatch()
        batch.put([UInt8](repeating: 1, count: WriteBatch.maxKeySize + 1), [])
        #expect { try batch.validate() } throws: { ($0 as? TernError)?.code == .invalidArgument }
        var largest = WriteBatch()
        largest.put([UInt8](repeating: 1, count: WriteBatch.maxKeySize), [UInt8](repeating: 2, count: 100))
        #expect(throws: Never.self) { try largest.validate() }
    }
}
