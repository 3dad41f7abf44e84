import Testing
import TernTesting

/// The README's "One API, two backends" snippet (`Examples/ClientSnippets`, which
/// `DocumentationTests` checks against the README) runs as written: twice embedded and twice
/// against a node, each second run finding the first run's table and counting on.
@Suite struct ClientSnippetTests {
    static var program: String { ChildProcess.siblingExecutable("client-snippets", overriddenBy: "TERN_CLIENT_SNIPPETS") }

    @Test func theSnippetRunsEmbeddedAndAgainstANode() async throws {
        let directory = ClientTestSupport.temporaryDirectory("snippet")
        for run in 1...2 {
            let outcome = try await ClientTestSupport.run(Self.program, [directory])
            #expect(outcome.exitStatus == 0 && outcome.text == "ada visited \(run) times\n", "embedded run \(run): \(outcome.text)")
        }
        let node = try await ClientTestSupport.startNode("snippet-node")
        let credentials = ["AWS_ACCESS_KEY_ID": "AKIDSNIPPET", "AWS_SECRET_ACCESS_KEY": "snippet", "AWS_SESSION_TOKEN": ""]
        for run in 1...2 {
            let outcome = try await ClientTestSupport.run(Self.program, [directory, ClientTestSupport.endpoint(node)], environment: credentials)
            #expect(outcome.exitStatus == 0 && outcome.text == "ada visited \(run) times\n", "remote run \(run): \(outcome.text)")
        }
        // Without credentials in the environment the snippet stops with the client's error.
        let unsigned = try await ClientTestSupport.run(
            Self.program, [directory, ClientTestSupport.endpoint(node)], environment: ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""])
        #expect(unsigned.exitStatus != 0 && unsigned.text.contains("AWS_ACCESS_KEY_ID is not set"), "\(unsigned.text)")
        await node.shutdown()
    }
}
