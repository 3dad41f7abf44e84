import ArgumentParser
import Glibc
import TernEngine
import TernRecovery

/// `tern restore`: rebuild a store from its continuous archive as of an instant.
struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild a store from its continuous archive, as it was at an instant of the recovery window.",
        discussion: """
            The result holds exactly the writes committed at or before TIME (to the microsecond; \
            none in part), with its indexes, and opens as a normal store: point a service at it, \
            or archive it (to a new archive directory: a restored store starts a new lineage). \
            Every archive file read is checked against the size and checksum the archive \
            recorded; damage is reported with the file's name. The live store is not needed.

            Examples:
              tern restore --info --archive tern-data/us-east/archive
              tern restore --archive tern-data/us-east/archive --to 2026-12-05T10:31:07.250000Z --into /tmp/before
              tern restore --archive tern-data/us-east/archive --to latest --into /tmp/now --table Messages
            """)

    @Option(help: "The archive directory (what `tern serve --archive` or ContinuousArchive writes).")
    var archive: String

    @Option(help: "RFC 3339 time with up to microseconds (e.g. 2026-12-05T10:31:07.25Z), or `latest`.")
    var to: String?

    @Option(help: "The new store directory (must not exist or be empty).")
    var into: String?

    @Option(name: .customLong("table"), help: "Restore only this table (repeatable); default: every table.")
    var tables: [String] = []

    @Flag(help: "Print the restorable window, checkpoints, segments and size, and restore nothing.")
    var info = false

    func validate() throws {
        if info { return }
        guard let to else { throw ValidationError("--to TIME or --to latest is required (or --info)") }
        guard RestoreTarget(parsing: to) != nil else {
            throw ValidationError("--to must be `latest` or an RFC 3339 time such as 2026-12-05T10:31:07.250000Z (got \(to))")
        }
        guard into != nil else { throw ValidationError("--into DIR is required") }
    }

    func run() throws {
        if info {
            try printInfo()
            return
        }
        let target = RestoreTarget(parsing: to!)!
        let bar = ProgressBar()
        let summary: RestoreSummary
        do {
            summary = try ArchiveRestore.restore(
                archive: archive, to: target, into: into!, tables: tables.isEmpty ? nil : tables,
                progress: { bar.show($0) })
        } catch {
            bar.finish()
            FileHandleStderr.write("tern restore: \(error)\n")
            throw ExitCode.failure
        }
        bar.finish()
        print("restored to \(UTCTime.format(microseconds: summary.instant.physicalMicroseconds)) into \(into!)")
        print("  from the checkpoint of \(summary.checkpointStamp) (sequence \(summary.checkpointSequence)), then \(summary.batchesReplayed) batches; last included \(summary.lastIncludedStamp)")
        print("  verified \(summary.filesVerified) files, \(Inspect.size(summary.bytesVerified)) (sizes and CRC32C checksums)")
        for table in summary.tables {
            let entries = table.indexes.map { "\($0.name) \($0.entries)" }.joined(separator: ", ")
            print("  \(table.name): \(table.items) items" + (entries.isEmpty ? "" : "; index entries: \(entries)"))
        }
        print("  took \(format(Double(summary.duration.components.seconds) + Double(summary.duration.components.attoseconds) / 1e18)) s")
    }

    private func printInfo() throws {
        let info: ArchiveInfo
        do {
            info = try ArchiveRestore.info(archive: archive)
        } catch {
            FileHandleStderr.write("tern restore: \(error)\n")
            throw ExitCode.failure
        }
        print("archive \(archive) (lineage \(info.lineage))")
        if let window = info.window {
            print("  earliest restorable: \(UTCTime.format(microseconds: window.earliest.physicalMicroseconds))")
            print("  latest restorable:   \(UTCTime.format(microseconds: window.latest.physicalMicroseconds))")
        } else {
            print("  nothing restorable yet (no checkpoint)")
        }
        for gap in info.gaps {
            print("  gap: no writes archived between \(gap.afterStamp) and \(gap.resumeStamp)")
        }
        print("  checkpoints: \(info.checkpoints.count)")
        for checkpoint in info.checkpoints {
            let bytes = checkpoint.files.reduce(0) { $0 + $1.sizeBytes }
            print("    \(checkpoint.stamp)  sequence \(checkpoint.sequence)  \(checkpoint.files.count) files  \(Inspect.size(bytes))")
        }
        let sealed = info.segments.filter(\.isSealed).count
        print("  segments: \(info.segments.count) (\(sealed) sealed), \(Inspect.size(info.segments.reduce(0) { $0 + $1.sizeBytes }))")
        print("  size: \(Inspect.size(info.sizeBytes))")
    }
}

/// A one-line progress bar on standard error, redrawn in place.
final class ProgressBar: @unchecked Sendable {
    private var lastPhase = ""
    private var drew = false

    func show(_ progress: RestoreProgress) {
        let width = 30
        let filled = progress.total == 0 ? width : width * progress.completed / max(progress.total, 1)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = "\r[\(bar)] \(progress.phase) \(progress.completed)/\(progress.total)"
        FileHandleStderr.write(line + "   ")
        drew = true
        lastPhase = progress.phase
    }

    func finish() {
        if drew { FileHandleStderr.write("\r" + String(repeating: " ", count: 100) + "\r") }
    }
}

enum FileHandleStderr {
    static func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
