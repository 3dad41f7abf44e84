extension StoreRecovery {
    /// Refuses to turn a directory that holds something else into a store: without `CURRENT`
    /// (no store yet), every entry must be one a store owns (an interrupted creation leaves only
    /// those). Checked before the lock file is created, so a refused directory is left as it was.
    ///
    /// - Throws: `.invalidArgument` naming one foreign entry.
    func refuseForeignDirectory() throws {
        let names = try fileSystem.listDirectory(directory)
        guard !names.contains(FileName.current), let foreign = names.sorted().first(where: { FileName.parse($0) == nil }) else {
            return
        }
        throw TernError(
            .invalidArgument,
            "not a Tern store: the directory has no CURRENT file and holds other files ('\(foreign)'); refusing to create a store in it",
            file: directory)
    }
}
