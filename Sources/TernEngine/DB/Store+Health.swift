extension Store {
    /// Why the store refuses writes (a failed WAL sync, WAL write or flush; sticky until the
    /// store is reopened), or nil while it accepts them. A node reports it on its health check.
    ///
    /// Thread safety: any thread; takes the store's lock briefly.
    public var writeRefusal: TernError? {
        lock.lock()
        defer { lock.unlock() }
        return backgroundError
    }
}
