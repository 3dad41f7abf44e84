import Testing
import TernEngine
import TernTesting
@testable import TernRecovery

@Suite struct ArchiveStateTests {
    /// A random archive history: checkpoints and segments over a sequence/stamp line, sometimes a
    /// gap (then a checkpoint right after it, as the archiver does).
    static func randomState(_ generator: inout SeededGenerator) -> (ArchiveState, lastStamp: HybridTimestamp) {
        var state = ArchiveState()
        var sequence: UInt64 = 0
        var micros: UInt64 = 1_000_000
        var number: UInt64 = 1
        var segmentStart: (sequence: UInt64, stamp: HybridTimestamp)?
        func stamp() -> HybridTimestamp { HybridTimestamp(physicalMicroseconds: micros) }
        state.checkpoints[number] = .init(number: number, sequence: 0, stamp: stamp(), files: [])
        number += 1
        for _ in 0..<Int.random(in: 5...60, using: &generator) {
            switch Int.random(in: 0..<10, using: &generator) {
            case 0...5:  // batches
                let count = UInt64.random(in: 1...20, using: &generator)
                for _ in 0..<count {
                    sequence += 1
                    micros += UInt64.random(in: 1...1_000_000_000, using: &generator)
                    if segmentStart == nil { segmentStart = (sequence, stamp()) }
                }
            case 6...7:  // seal the segment
                if let start = segmentStart {
                    state.segments[number] = .init(number: number, firstSequence: start.sequence, lastSequence: sequence,
                                                   firstStamp: start.stamp, lastStamp: stamp(), sizeBytes: 1, crc32c: 0, isSealed: true)
                    number += 1
                    segmentStart = nil
                }
            case 8:  // checkpoint
                state.checkpoints[number] = .init(number: number, sequence: sequence, stamp: stamp(), files: [])
                number += 1
            default:  // a gap, then a checkpoint
                if let start = segmentStart {
                    state.segments[number] = .init(number: number, firstSequence: start.sequence, lastSequence: sequence,
                                                   firstStamp: start.stamp, lastStamp: stamp(), sizeBytes: 1, crc32c: 0, isSealed: true)
                    number += 1
                    segmentStart = nil
                }
                let after = (sequence, stamp())
                sequence += UInt64.random(in: 1...50, using: &generator)
                micros += UInt64.random(in: 1...1_000_000_000, using: &generator)
                state.checkpoints[number] = .init(number: number, sequence: sequence, stamp: stamp(), files: [])
                number += 1
                state.gaps.append(.init(afterSequence: after.0, afterStamp: after.1, resumeSequence: sequence, resumeStamp: stamp()))
            }
        }
        if let start = segmentStart {
            state.segments[number] = .init(number: number, firstSequence: start.sequence, lastSequence: sequence,
                                           firstStamp: start.stamp, lastStamp: stamp(), sizeBytes: 1, crc32c: 0, isSealed: false)
        }
        return (state, stamp())
    }

    /// Whether `plan` can rebuild `instant`: its segments cover every sequence from the
    /// checkpoint up to the last batch at or before the instant.
    static func covers(_ plan: ArchiveState.RestorePlan, in original: ArchiveState, at instant: HybridTimestamp) -> Bool {
        let needed = original.segments.values.filter { $0.lastSequence > plan.checkpoint.sequence && $0.firstStamp <= instant }
        let planned = Set(plan.segments.map(\.number))
        return needed.allSatisfy { planned.contains($0.number) }
    }

    /// Pruning at any point never removes what an instant from that point on needs: every such
    /// instant restorable before pruning is restorable after, from files still there.
    @Test func pruningNeverRemovesWhatTheWindowNeeds() throws {
        var generator = SeededGenerator.fromEnvironment("prune-property")
        for _ in 0..<300 {
            let (state, last) = Self.randomState(&generator)
            let earliest = state.window!.earliest.rawValue
            let keepFrom = HybridTimestamp(rawValue: UInt64.random(in: earliest...last.rawValue, using: &generator))
            let plan = state.prunePlan(keepFrom: keepFrom)
            var pruned = state
            for number in plan.checkpoints { pruned.checkpoints[number] = nil }
            for number in plan.segments { pruned.segments[number] = nil }
            for _ in 0..<40 {
                let instant = HybridTimestamp(rawValue: UInt64.random(in: keepFrom.rawValue...last.rawValue, using: &generator))
                guard let before = try? state.restorePlan(for: instant) else { continue }
                let after = try #require(try? pruned.restorePlan(for: instant), "pruning made \(instant) unrestorable")
                #expect(after.checkpoint.sequence == before.checkpoint.sequence)
                #expect(Self.covers(after, in: state, at: instant))
            }
            // And it removes something whenever the window starts well before keepFrom.
            if Set(state.checkpoints.values.filter({ $0.stamp <= keepFrom }).map(\.sequence)).count > 1 { #expect(!plan.checkpoints.isEmpty) }
        }
    }

    @Test func windowExcludesGapsAndBoundsRestores() throws {
        var state = ArchiveState()
        state.checkpoints[1] = .init(number: 1, sequence: 0, stamp: HybridTimestamp(physicalMicroseconds: 100), files: [])
        state.segments[2] = .init(number: 2, firstSequence: 1, lastSequence: 10, firstStamp: HybridTimestamp(physicalMicroseconds: 110),
                                  lastStamp: HybridTimestamp(physicalMicroseconds: 200), sizeBytes: 1, crc32c: 0, isSealed: true)
        state.gaps.append(.init(afterSequence: 10, afterStamp: HybridTimestamp(physicalMicroseconds: 200),
                                resumeSequence: 30, resumeStamp: HybridTimestamp(physicalMicroseconds: 300)))
        state.checkpoints[3] = .init(number: 3, sequence: 30, stamp: HybridTimestamp(physicalMicroseconds: 300), files: [])
        state.segments[4] = .init(number: 4, firstSequence: 31, lastSequence: 40, firstStamp: HybridTimestamp(physicalMicroseconds: 310),
                                  lastStamp: HybridTimestamp(physicalMicroseconds: 400), sizeBytes: 1, crc32c: 0, isSealed: true)
        let window = try #require(state.window)
        #expect(window.earliest == HybridTimestamp(physicalMicroseconds: 100))
        #expect(window.latest == HybridTimestamp(physicalMicroseconds: 400))
        #expect(window.contains(HybridTimestamp(physicalMicroseconds: 200)))
        #expect(!window.contains(HybridTimestamp(physicalMicroseconds: 250)))
        #expect(window.contains(HybridTimestamp(physicalMicroseconds: 300)))
        #expect(throws: TernError.self) { try state.restorePlan(for: HybridTimestamp(physicalMicroseconds: 250)) }
        #expect(throws: TernError.self) { try state.restorePlan(for: HybridTimestamp(physicalMicroseconds: 401)) }
        #expect(try state.restorePlan(for: HybridTimestamp(physicalMicroseconds: 350)).checkpoint.number == 3)
        #expect(try state.restorePlan(for: HybridTimestamp(physicalMicroseconds: 150)).segments.map(\.number) == [2])
        #expect(try state.restorePlan(for: HybridTimestamp(physicalMicroseconds: 200)).segments.map(\.number) == [2])
        #expect(try state.restorePlan(for: HybridTimestamp(physicalMicroseconds: 399)).segments.map(\.number) == [4])
    }

    /// The manifest grammar round-trips every field (and a snapshot recreates the state).
    @Test func editsRoundTripAndSnapshotsRecreateTheState() throws {
        var generator = SeededGenerator.fromEnvironment("archive-edits")
        var (state, _) = Self.randomState(&generator)
        state.lineage = "0123456789abcdef0123456789abcdef"
        state.tables["Users"] = .init(enabled: true, since: HybridTimestamp(physicalMicroseconds: 5))
        let snapshot = state.snapshot()
        let decoded = try ArchiveEdit.decode(snapshot.encode(), file: "ARCHIVE", offset: 0)
        #expect(decoded == snapshot)
        var rebuilt = ArchiveState()
        try rebuilt.apply(decoded, file: "ARCHIVE", offset: 0)
        #expect(rebuilt == state)
    }

    /// Golden vector (docs/formats/archive.md).
    @Test func goldenVector() {
        let edit = ArchiveEdit([.formatVersion(1), .segmentOpened(number: 7, firstSequence: 300, firstStamp: HybridTimestamp(rawValue: 4_096_001)),
                                .segmentProgress(number: 7, validBytes: 4096, lastSequence: 310, lastStamp: HybridTimestamp(rawValue: 4_096_001))])
        #expect(hex(edit.encode()) == "0101" + "0307ac02" + "8180fa01" + "0407" + "8020" + "b602" + "8180fa01")
    }

    @Test func unknownFieldsMeanANewerFormat() {
        #expect { _ = try ArchiveEdit.decode([0x7f, 0x01], file: "ARCHIVE", offset: 0) } throws: {
            ($0 as? TernError)?.code == .unsupportedFormat
        }
    }
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}
