import CoreMetrics
import Synchronization

/// A swift-metrics backend that keeps the values of the replication lag timers (every change's
/// stamp-to-apply time) so the benchmark can take percentiles over a window; everything else is
/// dropped.
final class LagCollector: MetricsFactory, Sendable {
    private let values = Mutex<[UInt64]>([])
    private let recording = Atomic<Bool>(false)

    /// Starts a window: forgets earlier values.
    func start() {
        values.withLock { $0.removeAll(keepingCapacity: true) }
        recording.store(true, ordering: .releasing)
    }

    /// Ends the window; returns its values in microseconds.
    func stop() -> [UInt64] {
        recording.store(false, ordering: .releasing)
        return values.withLock { $0 }
    }

    fileprivate func record(_ nanoseconds: Int64) {
        guard recording.load(ordering: .acquiring) else { return }
        values.withLock { $0.append(UInt64(max(0, nanoseconds) / 1000)) }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { NOOPMetricsHandler.instance }
    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler { NOOPMetricsHandler.instance }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler { NOOPMetricsHandler.instance }
    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler { NOOPMetricsHandler.instance }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        label == "tern_replication_lag_seconds" ? LagTimer(collector: self) : NOOPMetricsHandler.instance
    }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}

    private final class LagTimer: TimerHandler, Sendable {
        let collector: LagCollector
        init(collector: LagCollector) { self.collector = collector }
        func recordNanoseconds(_ duration: Int64) { collector.record(duration) }
    }
}
