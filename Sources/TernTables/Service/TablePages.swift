/// The pages of a paginated read (Query, Scan, `nearby`), fetched one at a time as the sequence
/// is iterated: DynamoDB's paging loop (`ExclusiveStartKey` ← `LastEvaluatedKey`) as an
/// `AsyncSequence`.
///
/// ```swift
/// for try await page in tables.queryPages(request) {
///     print(page.count, "of", page.scannedCount)
/// }
/// ```
///
/// Nothing is read until iteration starts; each `next()` reads one page. Before each page the
/// task's cancellation is checked, so a cancelled task stops with `CancellationError` between
/// pages (a page already being read completes). The sequence ends after the page that carries no
/// continuation. Each iteration starts again from the request's own start.
public struct TablePages<Page: Sendable>: AsyncSequence, Sendable {
    /// A page: `QueryResponse` (Query, Scan) or `NearbyResponse`.
    public typealias Element = Page

    let fetch: @Sendable (PageCursor?) async throws -> (page: Page, next: PageCursor?)

    init(fetch: @escaping @Sendable (PageCursor?) async throws -> (page: Page, next: PageCursor?)) {
        self.fetch = fetch
    }

    /// Starts a walk over the pages.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(fetch: fetch)
    }

    /// A walk over the pages.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let fetch: @Sendable (PageCursor?) async throws -> (page: Page, next: PageCursor?)
        private var state = State.start

        enum State {
            case start
            case at(PageCursor)
            case done
        }

        init(fetch: @escaping @Sendable (PageCursor?) async throws -> (page: Page, next: PageCursor?)) {
            self.fetch = fetch
        }

        /// The next page, or nil after the last one.
        ///
        /// - Throws: `CancellationError` when the task was cancelled; the read's errors (then
        ///   the walk is over).
        public mutating func next() async throws -> Page? {
            let cursor: PageCursor?
            switch state {
            case .done: return nil
            case .start: cursor = nil
            case .at(let position): cursor = position
            }
            state = .done
            try Task.checkCancellation()
            let (page, next) = try await fetch(cursor)
            if let next { state = .at(next) }
            return page
        }
    }
}

/// Where the next page of a walk starts.
enum PageCursor: Sendable {
    /// Query and Scan: the previous page's `LastEvaluatedKey`.
    case key(Item)
    /// `nearby`: the previous page's cursor.
    case nearby(NearbyCursor)
}

/// The items of a paginated read, one at a time, decoded as `Element` (or as `Item`s): what
/// `queryItems`, `scanItems` and `nearbyItems` return.
///
/// ```swift
/// for try await message in tables.queryItems(request, as: Message.self) { show(message) }
/// ```
///
/// Pages are read as the items of the previous one run out, with the same cancellation check
/// between pages as `TablePages`. An item that does not decode ends the walk with the decoder's
/// `DecodingError`.
public struct TableItems<Element: Sendable>: AsyncSequence, Sendable {
    let pages: TablePages<[Item]>
    let decode: @Sendable (Item) throws -> Element

    /// Starts a walk over the items.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(pages: pages.makeAsyncIterator(), decode: decode)
    }

    /// A walk over the items.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var pages: TablePages<[Item]>.AsyncIterator
        let decode: @Sendable (Item) throws -> Element
        private var buffer: [Item] = []
        private var position = 0

        init(pages: TablePages<[Item]>.AsyncIterator, decode: @escaping @Sendable (Item) throws -> Element) {
            self.pages = pages
            self.decode = decode
        }

        /// The next item, reading pages as needed; nil after the last one.
        public mutating func next() async throws -> Element? {
            while position == buffer.count {
                guard let page = try await pages.next() else { return nil }
                buffer = page
                position = 0
            }
            defer { position += 1 }
            return try decode(buffer[position])
        }
    }
}

extension TablePages {
    /// The same walk, each page turned into its items.
    func items(_ extract: @escaping @Sendable (Page) -> [Item]) -> TablePages<[Item]> {
        let fetch = self.fetch
        return TablePages<[Item]> { cursor in
            let (page, next) = try await fetch(cursor)
            return (extract(page), next)
        }
    }
}

extension TableService {
    /// Every page of `request`, read as the sequence is iterated (see `TablePages`).
    public func queryPages(_ request: QueryRequest) -> TablePages<QueryResponse> {
        TablePages { cursor in
            var request = request
            if case .key(let key)? = cursor { request.exclusiveStartKey = key }
            let page = try await query(request)
            return (page, page.lastEvaluatedKey.map(PageCursor.key))
        }
    }

    /// Every page of `request` (one segment, when it names one), read as the sequence is
    /// iterated (see `TablePages`).
    public func scanPages(_ request: ScanRequest) -> TablePages<ScanResponse> {
        TablePages { cursor in
            var request = request
            if case .key(let key)? = cursor { request.exclusiveStartKey = key }
            let page = try await scan(request)
            return (page, page.lastEvaluatedKey.map(PageCursor.key))
        }
    }

    /// Every item `request` returns, over all its pages.
    public func queryItems(_ request: QueryRequest) -> TableItems<Item> {
        TableItems(pages: queryPages(request).items(\.items), decode: { $0 })
    }

    /// Every item `request` returns, over all its pages, decoded as `type` (see `ItemDecoder`).
    public func queryItems<T: Decodable & Sendable>(_ request: QueryRequest, as type: T.Type) -> TableItems<T> {
        TableItems(pages: queryPages(request).items(\.items), decode: { try ItemDecoder().decode(type, from: $0) })
    }

    /// Every item `request` returns, over all its pages.
    public func scanItems(_ request: ScanRequest) -> TableItems<Item> {
        TableItems(pages: scanPages(request).items(\.items), decode: { $0 })
    }

    /// Every item `request` returns, over all its pages, decoded as `type` (see `ItemDecoder`).
    public func scanItems<T: Decodable & Sendable>(_ request: ScanRequest, as type: T.Type) -> TableItems<T> {
        TableItems(pages: scanPages(request).items(\.items), decode: { try ItemDecoder().decode(type, from: $0) })
    }
}

extension GeoTableService {
    /// Every page of a `nearby` walk, read as the sequence is iterated (see `TablePages`).
    public func nearbyPages(_ request: NearbyRequest) -> TablePages<NearbyResponse> {
        TablePages { cursor in
            var request = request
            if case .nearby(let position)? = cursor { request.cursor = position }
            let page = try await nearby(request)
            return (page, page.cursor.map(PageCursor.nearby))
        }
    }

    /// Every item within the radius, nearest cells first, over all pages.
    public func nearbyItems(_ request: NearbyRequest) -> TableItems<Item> {
        TableItems(pages: nearbyPages(request).items(\.items), decode: { $0 })
    }

    /// Every item within the radius, nearest cells first, over all pages, decoded as `type`.
    public func nearbyItems<T: Decodable & Sendable>(_ request: NearbyRequest, as type: T.Type) -> TableItems<T> {
        TableItems(pages: nearbyPages(request).items(\.items), decode: { try ItemDecoder().decode(type, from: $0) })
    }
}
