import TernTables

extension WireError: WireEncodable {
    /// Writes the error body DynamoDB sends: `__type`, `message`, and `CancellationReasons`
    /// (each `Code`, `Message`, `Item`) or `Item` when present.
    public func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("__type", type)
        writer.member("message", message)
        if !cancellationReasons.isEmpty {
            writer.key("CancellationReasons")
            writer.beginArray()
            for reason in cancellationReasons {
                writer.beginObject()
                writer.member("Code", reason.code)
                writer.member("Message", reason.message)
                writer.member("Item", item: reason.item)
                writer.endObject()
            }
            writer.endArray()
        }
        writer.member("Item", item: item)
        writer.endObject()
    }

    /// Decodes an error response (a remote client's side): `status` is the HTTP status.
    /// A body that is not an error document becomes an `InternalServerError`-like error carrying
    /// the status, so a client never mistakes it for success.
    public static func decode(status: Int, body: some Collection<UInt8>) -> WireError {
        guard let json = try? JSONParser.parse(body), let object = try? WireObject(json),
            let type = try? object.string("__type")
        else {
            let text = String(decoding: Array(body.prefix(200)), as: UTF8.self)
            return WireError(name: status >= 500 ? "InternalServerError" : "UnknownError", message: "HTTP \(status): \(text)", status: status)
        }
        let (namespace, name): (String, String)
        if let hash = type.lastIndex(of: "#") {
            (namespace, name) = (String(type[..<hash]), String(type[type.index(after: hash)...]))
        } else {
            (namespace, name) = (WireError.dynamoNamespace, type)
        }
        let message = (try? object.string("message")) ?? (try? object.string("Message")) ?? nil
        let reasons = (try? object.objects("CancellationReasons"))??.map { reason in
            DynamoError.CancellationReason(
                code: (try? reason.string("Code")) ?? nil ?? "None", message: (try? reason.string("Message")) ?? nil,
                item: (try? reason.item("Item")) ?? nil)
        }
        return WireError(
            name: name, message: message ?? "", status: status, namespace: namespace, cancellationReasons: reasons ?? [],
            item: (try? object.item("Item")) ?? nil)
    }
}
