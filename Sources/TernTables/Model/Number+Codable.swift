extension Number: Codable {
    /// Decodes a number from its text (`"1.5"`); `ItemDecoder` reads an `N` directly.
    ///
    /// - Throws: `DecodingError.dataCorrupted` for text that is not a DynamoDB number.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            self = try Number(text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    /// Encodes the canonical text (`"1.5"`), so no coder rounds it through binary floating point;
    /// `ItemEncoder` writes an `N` directly.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
