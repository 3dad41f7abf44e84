import ArgumentParser
import Foundation
import TernTables
import TernWire

/// `tern-bench json`: the per-request JSON cost of the node, TernWire's parser and typed
/// decoding beside Foundation's `JSONSerialization` (parse only) and `JSONDecoder` (into
/// Codable mirrors of the same request), on a GetItem request, a PutItem request and a Query
/// response of 20 items.
struct JSONCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tern-bench json", abstract: "DynamoDB JSON: TernWire beside Foundation.")

    @Option(help: "Iterations per measurement.")
    var iterations = 200_000

    struct CodableValue: Codable { var S: String?; var N: String? }
    struct CodableGet: Codable { var TableName: String; var Key: [String: CodableValue] }
    struct CodablePut: Codable { var TableName: String; var Item: [String: CodableValue] }

    func run() throws {
        let get = Array(#"{"TableName": "Users", "Key": {"pk": {"S": "user-000123"}}}"#.utf8)
        let put = Array(#"{"TableName": "Users", "Item": {"pk": {"S": "user-000123"}, "name": {"S": "Name 123"}, "age": {"N": "33"}, "city": {"S": "London"}, "bio": {"S": "likes hiking, jazz and long dinners; likes hiking, jazz and long dinners; likes hiking, jazz and long dinners; "}}}"#.utf8)
        let item = try PutItemRequest(wireBytes: put).item
        let page = QueryResponse(items: Array(repeating: item, count: 20), count: 20, scannedCount: 20, lastEvaluatedKey: nil)
        let pageBytes = page.wireBytes()
        let getData = Data(get)
        let putData = Data(put)
        let pageData = Data(pageBytes)
        print("iterations \(iterations); ns per operation (best of 3)")
        measure("GetItem request: TernWire parse + typed decode") { _ = try GetItemRequest(wireBytes: get) }
        measure("GetItem request: JSONSerialization parse only") { _ = try JSONSerialization.jsonObject(with: getData) }
        measure("GetItem request: JSONDecoder into Codable") { _ = try JSONDecoder().decode(CodableGet.self, from: getData) }
        measure("PutItem request: TernWire parse + typed decode") { _ = try PutItemRequest(wireBytes: put) }
        measure("PutItem request: JSONSerialization parse only") { _ = try JSONSerialization.jsonObject(with: putData) }
        measure("PutItem request: JSONDecoder into Codable") { _ = try JSONDecoder().decode(CodablePut.self, from: putData) }
        measure("Query page of 20: TernWire encode") { _ = page.wireBytes(capacity: 8192) }
        let foundationPage = try JSONSerialization.jsonObject(with: pageData)
        measure("Query page of 20: JSONSerialization encode") { _ = try JSONSerialization.data(withJSONObject: foundationPage) }
        measure("Query page of 20: TernWire parse + typed decode") { _ = try QueryResponse(wireBytes: pageBytes) }
        measure("Query page of 20: JSONSerialization parse only") { _ = try JSONSerialization.jsonObject(with: pageData) }
    }

    private func measure(_ name: String, _ body: () throws -> Void) {
        var best = Double.infinity
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<iterations { try? body() }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / Double(iterations))
        }
        print("  " + name.padding(toLength: 52, withPad: " ", startingAt: 0) + String(format: "%9.0f ns", best))
    }
}
