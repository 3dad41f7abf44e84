import ArgumentParser
import TernEngine

@main
struct Tern: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tern",
        abstract: "Tern: an embedded, log-structured table store.",
        discussion: """
            Tern stores DynamoDB-style tables in a crash-safe LSM engine. These commands run
            its demo workload, serve a node, restore from an archive, repair a global table, inspect a
            store directory and print its items (or a node's).
            """,
        version: TernVersion.current,
        subcommands: [Serve.self, Restore.self, Repair.self, Demo.self, Inspect.self, Get.self, Scan.self])
}
