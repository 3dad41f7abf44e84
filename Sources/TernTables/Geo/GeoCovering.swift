import RealModule

/// Great-circle distances on a spherical Earth.
public enum GeoDistance {
    /// The mean Earth radius (IUGG), in metres.
    public static let earthRadiusMeters = 6_371_008.8

    static let radiansPerDegree = Double.pi / 180

    /// The haversine distance between two points given in degrees, in metres.
    ///
    /// This is the definition of "within the radius" everywhere in Tern: `nearby` keeps an item
    /// exactly when this distance is at most the radius.
    public static func haversineMeters(
        latitude1: Double, longitude1: Double, latitude2: Double, longitude2: Double
    ) -> Double {
        let phi1 = latitude1 * radiansPerDegree
        let phi2 = latitude2 * radiansPerDegree
        let deltaPhi = phi2 - phi1
        let deltaLambda = (longitude2 - longitude1) * radiansPerDegree
        let sinPhi = Double.sin(deltaPhi / 2)
        let sinLambda = Double.sin(deltaLambda / 2)
        let a = sinPhi * sinPhi + Double.cos(phi1) * Double.cos(phi2) * sinLambda * sinLambda
        return 2 * earthRadiusMeters * Double.asin(Swift.min(1, a.squareRoot()))
    }

    /// The smallest distance, in metres, from a point to any point of `cell` (0 inside it).
    ///
    /// Exact up to rounding: when the point's longitude is within the cell's columns the nearest
    /// point lies straight north or south; otherwise it lies on one of the two meridian edges (a
    /// parallel edge is nearest at its end closest in longitude, a corner), at the foot of the
    /// perpendicular when that falls on the edge, else at an end.
    static func minimumMeters(latitude: Double, longitude: Double, to cell: GeohashCell) -> Double {
        let south = cell.minimumLatitude
        let north = cell.maximumLatitude
        let west = cell.minimumLongitude
        let offset = normalizedDegrees(longitude - west)  // -180 ..< 180
        if offset >= 0, offset <= cell.width {
            let degrees = Swift.max(0, south - latitude, latitude - north)
            return degrees * radiansPerDegree * earthRadiusMeters
        }
        let toWest = edgeMeters(latitude: latitude, longitude: longitude, edge: west, south: south, north: north)
        let toEast = edgeMeters(latitude: latitude, longitude: longitude, edge: cell.maximumLongitude, south: south, north: north)
        return Swift.min(toWest, toEast)
    }

    /// The distance from a point to the meridian segment at `edge` between `south` and `north`.
    private static func edgeMeters(latitude: Double, longitude: Double, edge: Double, south: Double, north: Double) -> Double {
        var best = Swift.min(
            haversineMeters(latitude1: latitude, longitude1: longitude, latitude2: south, longitude2: edge),
            haversineMeters(latitude1: latitude, longitude1: longitude, latitude2: north, longitude2: edge))
        let phi = latitude * radiansPerDegree
        let delta = (longitude - edge) * radiansPerDegree
        // The point's projection onto the meridian plane; its latitude is the foot's.
        let foot = Double.atan2(y: Double.sin(phi), x: Double.cos(phi) * Double.cos(delta)) / radiansPerDegree
        if foot > south, foot < north {
            best = Swift.min(best, haversineMeters(latitude1: latitude, longitude1: longitude, latitude2: foot, longitude2: edge))
        }
        return best
    }

    /// `degrees` folded into -180 ..< 180.
    static func normalizedDegrees(_ degrees: Double) -> Double {
        var value = (degrees + 180).truncatingRemainder(dividingBy: 360)
        if value < 0 { value += 360 }
        return value - 180
    }
}

/// The set of geohash cells a circle on the sphere touches: the cells `nearby` reads.
public struct GeoCovering: Sendable {
    /// One cell of the covering and its smallest distance from the centre.
    public struct Entry: Sendable, Hashable {
        /// The cell.
        public let cell: GeohashCell
        /// The smallest distance from the centre to the cell, in metres (0 for the centre's cell).
        public let minimumMeters: Double
    }

    /// The cells, nearest first (ties by cell string), each touching the circle.
    public let entries: [Entry]

    /// The most candidate cells a covering examines; a larger circle is refused.
    public static let maxCandidateCells = 1 << 18

    /// Covers the circle of `radiusMeters` around (`latitude`, `longitude`) with cells of
    /// `precision`: every point within the radius (by `GeoDistance.haversineMeters`) lies in one of
    /// the returned cells, and every returned cell comes within the radius. Works across the
    /// antimeridian and around the poles (a circle holding a pole takes whole rows).
    ///
    /// - Returns: nil when the bounding rows and columns hold more than `maxCandidateCells` cells.
    public init?(latitude: Double, longitude: Double, radiusMeters: Double, precision: Int) {
        let angular = radiusMeters / GeoDistance.earthRadiusMeters
        let angularDegrees = angular / GeoDistance.radiansPerDegree
        // A small slack keeps rounding from dropping a cell that the exact check below would keep.
        let slackDegrees = 1e-9 + angularDegrees * 1e-12
        let south = latitude - angularDegrees - slackDegrees
        let north = latitude + angularDegrees + slackDegrees
        let rows = 1 << Geohash.latitudeBits(precision)
        let columns = 1 << Geohash.longitudeBits(precision)
        var columnRange: (first: Int, count: Int) = (0, columns)
        if south > -90, north < 90 {
            let ratio = Double.sin(angular) / Double.cos(latitude * GeoDistance.radiansPerDegree)
            if ratio < 1, angular < Double.pi / 2 {
                let halfWidth = Double.asin(ratio) / GeoDistance.radiansPerDegree + slackDegrees
                let first = Geohash.bisect(
                    GeoDistance.normalizedDegrees(longitude - halfWidth), low: -180, high: 180, bits: Geohash.longitudeBits(precision))
                let span = Int((2 * halfWidth / (360 / Double(columns))).rounded(.up)) + 2
                columnRange = (first, Swift.min(span, columns))
            }
        }
        let firstRow = Geohash.bisect(Swift.max(south, -90), low: -90, high: 90, bits: Geohash.latitudeBits(precision))
        let lastRow = Geohash.bisect(Swift.min(north, 90), low: -90, high: 90, bits: Geohash.latitudeBits(precision))
        let rowCount = lastRow - firstRow + 1
        guard rowCount * columnRange.count <= GeoCovering.maxCandidateCells else { return nil }
        let limit = radiusMeters * (1 + 1e-12) + 1e-6
        var entries: [Entry] = []
        for row in firstRow...Swift.min(lastRow, rows - 1) {
            for step in 0..<columnRange.count {
                let column = (columnRange.first + step) % columns
                let cell = GeohashCell(precision: precision, latitudeIndex: row, longitudeIndex: column)
                let distance = GeoDistance.minimumMeters(latitude: latitude, longitude: longitude, to: cell)
                if distance <= limit { entries.append(Entry(cell: cell, minimumMeters: distance)) }
            }
        }
        entries.sort { $0.minimumMeters != $1.minimumMeters ? $0.minimumMeters < $1.minimumMeters : $0.cell < $1.cell }
        self.entries = entries
    }
}
