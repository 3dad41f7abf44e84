import Testing
import TernEngine
import TernTesting

/// The documents stand alone: every relative link resolves, and the README's Swift snippets are
/// the ones `readme-snippets` compiles and runs.
@Suite struct DocumentationTests {
    /// The repository's root, from this file's path (`<root>/Tests/TernTablesTests/<file>`).
    static let root: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    static func read(_ path: String) throws -> String {
        String(decoding: try PosixFileSystem().readFile(path), as: UTF8.self)
    }

    /// README.md, Benchmarks/README.md and every Markdown file under docs/, as paths from the root.
    static func documents() throws -> [String] {
        var found = ["README.md", "Benchmarks/README.md"]
        var pending = ["docs"]
        let fileSystem = PosixFileSystem()
        while let directory = pending.popLast() {
            for name in try fileSystem.listDirectory(root + "/" + directory).sorted() {
                let path = directory + "/" + name
                if name.hasSuffix(".md") { found.append(path) } else if !name.contains(".") { pending.append(path) }
            }
        }
        return found
    }

    /// The targets of Markdown links `[text](target)` outside code blocks and code spans.
    static func links(in text: String) -> [String] {
        var targets: [String] = []
        var inFence = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { inFence.toggle() }
            if inFence { continue }
            // Drop code spans: a link inside backticks is text, not a link.
            let plain = line.split(separator: "`", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset % 2 == 0 }.map(\.element).joined()
            var rest = Substring(plain)
            while let close = rest.firstRange(of: "](") {
                let after = rest[close.upperBound...]
                guard let end = after.firstIndex(of: ")") else { break }
                targets.append(String(after[..<end]))
                rest = after[end...]
            }
        }
        return targets
    }

    /// GitHub's anchor of a heading: lower case, spaces to hyphens, punctuation dropped.
    static func anchor(_ heading: Substring) -> String {
        String(heading.lowercased().compactMap { character -> Character? in
            if character == " " { return "-" }
            if character.isLetter || character.isNumber || character == "-" || character == "_" { return character }
            return nil
        })
    }

    static func anchors(in text: String) -> Set<String> {
        Set(text.split(separator: "\n").filter { $0.hasPrefix("#") }.map { line in
            anchor(line.drop { $0 == "#" }.drop { $0 == " " })
        })
    }

    @Test func everyRelativeLinkResolves() throws {
        let fileSystem = PosixFileSystem()
        var checked = 0
        for document in try Self.documents() {
            let text = try Self.read(Self.root + "/" + document)
            let directory = document.split(separator: "/").dropLast().joined(separator: "/")
            for target in Self.links(in: text) where !target.contains("://") && !target.hasPrefix("mailto:") {
                checked += 1
                let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
                let path = String(parts[0])
                let fragment = parts.count > 1 ? String(parts[1]) : nil
                let file = path.isEmpty ? document : (directory.isEmpty ? path : directory + "/" + path)
                #expect(fileSystem.exists(Self.root + "/" + file), "\(document): link to \(target): no \(file)")
                if let fragment, file.hasSuffix(".md"), fileSystem.exists(Self.root + "/" + file) {
                    #expect(Self.anchors(in: try Self.read(Self.root + "/" + file)).contains(fragment),
                            "\(document): link to \(target): no heading #\(fragment) in \(file)")
                }
            }
        }
        #expect(checked >= 10)
    }

    @Test func theLinkCheckerFindsBrokenLinks() {
        #expect(Self.links(in: "see [a](docs/x.md) and `[b](not/a/link)`, [c](#top)\n```\n[d](code)\n```") == ["docs/x.md", "#top"])
        #expect(Self.anchor("Item workloads (`tern-bench tables`)") == "item-workloads-tern-bench-tables")
    }

    /// The README's Swift blocks, by snippet name (`<!-- snippet: NAME -->` before the block),
    /// and the unmarked ones.
    static func readmeBlocks() throws -> (named: [(name: String, lines: [Substring])], unmarked: [[Substring]]) {
        let lines = try read(root + "/README.md").split(separator: "\n", omittingEmptySubsequences: false)
        var named: [(String, [Substring])] = []
        var unmarked: [[Substring]] = []
        var index = 0
        while index < lines.count {
            guard lines[index] == "```swift" else {
                index += 1
                continue
            }
            let marker = index > 0 ? lines[index - 1] : ""
            var end = index + 1
            while lines[end] != "```" { end += 1 }
            let body = Array(lines[(index + 1)..<end])
            if marker.hasPrefix("<!-- snippet: "), marker.hasSuffix(" -->") {
                named.append((String(marker.dropFirst("<!-- snippet: ".count).dropLast(" -->".count)), body))
            } else {
                unmarked.append(body)
            }
            index = end + 1
        }
        return (named, unmarked)
    }

    /// Every Swift snippet of the README is, apart from its imports, the body of a function of
    /// `Examples/ReadmeSnippets` (which the build compiles), and its imports are that file's.
    @Test func readmeSnippetsAreTheCompiledOnes() throws {
        let source = try Self.read(Self.root + "/Examples/ReadmeSnippets/ReadmeSnippets.swift")
        let sourceLines = source.split(separator: "\n", omittingEmptySubsequences: false)
        let (named, unmarked) = try Self.readmeBlocks()
        #expect(named.map(\.name) == ["engine", "tables", "async", "archive"])
        // The only Swift block not compiled is the manifest excerpt.
        #expect(unmarked.count == 1 && unmarked.first?.first == "// Package.swift of your service")
        for (name, lines) in named {
            let imports = lines.filter { $0.hasPrefix("import ") }
            #expect(imports.allSatisfy { sourceLines.contains($0) }, "snippet \(name): imports \(imports)")
            var code = Array(lines.drop { $0.hasPrefix("import ") || $0.isEmpty })
            while code.last?.isEmpty == true { code.removeLast() }
            guard let start = sourceLines.firstIndex(of: "    // README snippet: \(name)"),
                  let end = sourceLines[start...].firstIndex(of: "    // end of README snippet")
            else {
                Issue.record("snippet \(name) is missing from ReadmeSnippets.swift")
                continue
            }
            let compiled = sourceLines[(start + 1)..<end].map { $0.hasPrefix("    ") ? $0.dropFirst(4) : $0 }
            #expect(compiled == code, "snippet \(name) differs from the README")
        }
    }

    /// The snippets run, twice in a row in the same directory (a second run of an application
    /// finds the first run's data: creating tables again must not fail).
    @Test func readmeSnippetsRunTwice() throws {
        let program = ChildProcess.siblingExecutable("readme-snippets", overriddenBy: "TERN_README_SNIPPETS")
        let directory = try temporaryDirectory("readme")
        for run in 1...2 {
            let outcome = try ChildProcess.run(program, [directory])
            #expect(outcome.exitStatus == 0, "run \(run): \(outcome.text)")
        }
    }
}

/// The library stays free of Foundation (a dependency that imports it, such as swift-metrics'
/// `Metrics` module instead of `CoreMetrics`, would link it into every application).
@Suite struct DependencyTests {
    @Test func aProgramOfTernEngineAndTernTablesDoesNotLinkFoundation() throws {
        let program = ChildProcess.siblingExecutable("readme-snippets", overriddenBy: "TERN_README_SNIPPETS")
        let outcome = try ChildProcess.run("/usr/bin/ldd", [program])
        #expect(outcome.exitStatus == 0, "\(outcome.text)")
        #expect(outcome.text.contains("libswiftCore"))
        #expect(!outcome.text.contains("Foundation"), "\(outcome.text)")
    }
}
