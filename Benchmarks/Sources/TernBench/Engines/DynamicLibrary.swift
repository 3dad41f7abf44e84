import Glibc

/// A shared library opened with `dlopen`, so that tern-bench has no link-time dependency on
/// the peers: one binary runs with or without them installed, and RocksDB can come from a
/// custom prefix (`.build-peers/`) without linker flags.
///
/// `@unchecked Sendable`: the handle is only used for `dlsym`, which is thread-safe, and the
/// library stays loaded for the life of the process (never `dlclose`d).
final class DynamicLibrary: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    /// The file the dynamic loader actually opened (resolved through `dladdr`).
    let path: String

    /// Opens the first of `candidates` that loads. Throws with every loader message otherwise.
    init(candidates: [String], probeSymbol: String) throws {
        var messages: [String] = []
        for candidate in candidates {
            if let handle = dlopen(candidate, RTLD_NOW | RTLD_LOCAL) {
                guard dlsym(handle, probeSymbol) != nil else {
                    messages.append("\(candidate): no symbol \(probeSymbol)")
                    continue
                }
                self.handle = handle
                self.path = DynamicLibrary.mappedPath(of: candidate)
                return
            }
            messages.append(dlerror().map { String(cString: $0) } ?? candidate)
        }
        throw BenchError("cannot load any of \(candidates): \(messages.joined(separator: "; "))")
    }

    /// The file behind a library name the loader resolved (`libfoo.so.1` -> `/usr/lib/.../libfoo.so.1`),
    /// found in `/proc/self/maps`; `name` itself when it is a path or cannot be found.
    private static func mappedPath(of name: String) -> String {
        if name.contains("/") { return name }
        let maps = ProcessMetrics.readSmallFile("/proc/self/maps") ?? ""
        for line in maps.split(separator: "\n") {
            guard let slash = line.firstIndex(of: "/") else { continue }
            let path = line[slash...]
            if path.hasSuffix("/" + name) || path.split(separator: "/").last?.hasPrefix(name + ".") == true {
                return String(path)
            }
        }
        return name
    }

    /// The function `name`, typed as `T` (a `@convention(c)` function type).
    func function<T>(_ name: String, as type: T.Type = T.self) throws -> T {
        guard let symbol = dlsym(handle, name) else { throw BenchError("\(path): no symbol \(name)") }
        return unsafeBitCast(symbol, to: T.self)
    }
}

extension UnsafeRawBufferPointer {
    /// The base address as `const char*` (never nil: an empty buffer gets a dummy address).
    var charPointer: UnsafePointer<CChar> {
        guard let base = baseAddress else { return emptyCString }
        return base.assumingMemoryBound(to: CChar.self)
    }
}

nonisolated(unsafe) private let emptyCString: UnsafePointer<CChar> = {
    let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
    pointer.initialize(to: 0)
    return UnsafePointer(pointer)
}()
