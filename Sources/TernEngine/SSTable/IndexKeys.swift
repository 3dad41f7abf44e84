/// Index-block keys: short internal keys that separate adjacent data blocks.
///
/// A shortened key keeps the user-key prefix up to the first differing byte, increments that
/// byte, and takes the trailer `(SequenceNumber.max, .value)` — the smallest internal key with
/// that user key. Its user key is strictly greater than the block's last user key (so it is
/// `>=` the last key) and strictly smaller than the next block's first user key (so it is `<`
/// the first key). Shortening is optional for readers: any key in that range is valid.
enum IndexKeys {
    /// An internal key `s` with `lastKey <= s < nextKey`, shorter than `lastKey` when possible.
    /// REQUIRES: `lastKey < nextKey` in internal-key order.
    static func separator(_ lastKey: UnsafeRawBufferPointer, _ nextKey: UnsafeRawBufferPointer) -> [UInt8] {
        let last = InternalKey.userKey(lastKey)
        let next = InternalKey.userKey(nextKey)
        let shared = commonPrefixLength(last, next)
        // Shorten only when both user keys continue past the shared prefix, the incremented byte
        // stays below the next key's byte, and the result is shorter than the last user key.
        if shared < min(last.count, next.count) && shared + 1 < last.count {
            let byte = last[shared]
            if byte < 0xFF && byte + 1 < next[shared] {
                return shortened(last, length: shared + 1)
            }
        }
        return Array(lastKey)
    }

    /// An internal key `s >= lastKey`, shorter than `lastKey` when possible (the index key of the
    /// last data block).
    static func successor(_ lastKey: UnsafeRawBufferPointer) -> [UInt8] {
        let last = InternalKey.userKey(lastKey)
        var index = 0
        while index + 1 < last.count {
            if last[index] != 0xFF { return shortened(last, length: index + 1) }
            index += 1
        }
        return Array(lastKey)
    }

    /// `userKey[0..<length]` with its last byte incremented, as an internal key with the
    /// trailer `(SequenceNumber.max, .value)`. REQUIRES: that byte is below 0xFF.
    private static func shortened(_ userKey: UnsafeRawBufferPointer, length: Int) -> [UInt8] {
        var key = [UInt8](UnsafeRawBufferPointer(rebasing: userKey[0..<length]))
        key[length - 1] += 1
        key.appendFixed64(InternalKey.trailer(.max, .forSeek))
        return key
    }
}
