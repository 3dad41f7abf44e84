import Glibc
import Testing
import TernTesting
@testable import TernTables

/// Geohash encoding, neighbours and the covering of a circle, against brute force.
@Suite struct GeohashTests {
    @Test func encodesTheReferenceVectors() {
        #expect(Geohash.encode(latitude: 57.64911, longitude: 10.40744, precision: 11) == "u4pruydqqvj")
        #expect(Geohash.encode(latitude: 42.6, longitude: -5.6, precision: 5) == "ezs42")
        #expect(Geohash.encode(latitude: -25.382708, longitude: -49.265506, precision: 12) == "6gkzwgjzn820")
        #expect(Geohash.encode(latitude: 0, longitude: 0, precision: 4) == "s000")
        #expect(Geohash.encode(latitude: 90, longitude: 180, precision: 4) == "zzzz")
        #expect(Geohash.encode(latitude: -90, longitude: -180, precision: 4) == "0000")
    }

    @Test func decodesToTheCellHoldingThePoint() throws {
        var random = SeededGenerator.fromEnvironment("GeohashTests.decode")
        for _ in 0..<2000 {
            let latitude = Double.random(in: -90...90, using: &random)
            let longitude = Double.random(in: -180...180, using: &random)
            let precision = Int.random(in: 1...Geohash.maxPrecision, using: &random)
            let text = Geohash.encode(latitude: latitude, longitude: longitude, precision: precision)
            let cell = try #require(GeohashCell(text))
            #expect(cell.description == text)
            #expect(cell.minimumLatitude <= latitude && latitude <= cell.maximumLatitude)
            #expect(cell.minimumLongitude <= longitude && longitude <= cell.maximumLongitude)
        }
        #expect(GeohashCell("") == nil)
        #expect(GeohashCell("abc") == nil)  // 'a' is not in the alphabet
        #expect(GeohashCell("0123456789bcd") == nil)  // 13 characters
    }

    @Test func neighboursSurroundTheCell() throws {
        let cell = try #require(GeohashCell("ezs42"))
        #expect(cell.neighbours.map(\.description) == ["ezs48", "ezs49", "ezs43", "ezs41", "ezs40", "ezefp", "ezefr", "ezefx"])
        // Across the antimeridian: the east neighbour of a cell at +180 is at -180.
        let east = GeohashCell(latitude: 10, longitude: 179.99, precision: 4)
        #expect(east.neighbours.contains(GeohashCell(latitude: 10, longitude: -179.99, precision: 4)))
        // At a pole there is nothing further north.
        let polar = GeohashCell(latitude: 89.99, longitude: 0, precision: 4)
        #expect(polar.neighbours.count == 5)
        #expect(polar.neighbours.allSatisfy { $0.latitudeIndex < polar.latitudeIndex || $0.latitudeIndex == polar.latitudeIndex })
    }

    /// A point `distance` metres from (`latitude`, `longitude`) at `bearing` radians.
    static func destination(latitude: Double, longitude: Double, distance: Double, bearing: Double) -> (Double, Double) {
        let delta = distance / GeoDistance.earthRadiusMeters
        let phi1 = latitude * .pi / 180
        let lambda1 = longitude * .pi / 180
        let phi2 = asin(sin(phi1) * cos(delta) + cos(phi1) * sin(delta) * cos(bearing))
        let lambda2 = lambda1 + atan2(sin(bearing) * sin(delta) * cos(phi1), cos(delta) - sin(phi1) * sin(phi2))
        let latitude2 = min(90, max(-90, phi2 * 180 / .pi))
        return (latitude2, GeoDistance.normalizedDegrees(lambda2 * 180 / .pi))
    }

    static let interestingCenters: [(Double, Double)] = [
        (0, 0), (51.5, -0.12), (0, 179.999), (0, -179.999), (-16.5, 179.9), (89.99, 10), (-89.9, -170), (85, 179.5), (40.7, -74),
    ]

    @Test func coveringHoldsEveryPointWithinTheRadius() throws {
        var random = SeededGenerator.fromEnvironment("GeohashTests.covering")
        for round in 0..<60 {
            let center = round < Self.interestingCenters.count
                ? Self.interestingCenters[round]
                : (Double.random(in: -90...90, using: &random), Double.random(in: -180...180, using: &random))
            let precision = Int.random(in: 2...5, using: &random)
            // Radii from inside one cell to hundreds of cells (larger ones at coarse precisions).
            let radius = [50.0, 2_000, 20_000, 150_000, 900_000].randomElement(using: &random)! / Double(1 << max(0, precision - 3))
            guard let covering = GeoCovering(latitude: center.0, longitude: center.1, radiusMeters: radius, precision: precision) else {
                continue  // too many cells for this precision: refused, not wrong
            }
            let cells = Dictionary(covering.entries.map { ($0.cell, $0.minimumMeters) }, uniquingKeysWith: { first, _ in first })
            #expect(cells.count == covering.entries.count)
            for _ in 0..<400 {
                let distance = Double.random(in: 0...(radius * 1.3), using: &random)
                let (latitude, longitude) = Self.destination(
                    latitude: center.0, longitude: center.1, distance: distance, bearing: Double.random(in: 0..<(2 * .pi), using: &random))
                let exact = GeoDistance.haversineMeters(latitude1: center.0, longitude1: center.1, latitude2: latitude, longitude2: longitude)
                let cell = GeohashCell(latitude: latitude, longitude: longitude, precision: precision)
                if exact <= radius {
                    #expect(cells[cell] != nil, "center \(center) radius \(radius) p\(precision) point (\(latitude), \(longitude))")
                }
                // The reported minimum distance is a lower bound for every point of the cell.
                if let minimum = cells[cell] {
                    #expect(minimum <= exact + 1e-3, "min distance of \(cell) above a point's distance")
                }
            }
            // Nearest first.
            #expect(zip(covering.entries, covering.entries.dropFirst()).allSatisfy { $0.minimumMeters <= $1.minimumMeters })
            // The centre's cell is at distance 0, among the first (cells meeting at the centre tie).
            let home = GeohashCell(latitude: center.0, longitude: center.1, precision: precision)
            #expect(covering.entries.prefix { $0.minimumMeters == 0 }.contains { $0.cell == home })
        }
    }

    @Test func aPolarCircleTakesWholeRows() throws {
        let covering = try #require(GeoCovering(latitude: 89.95, longitude: 0, radiusMeters: 50_000, precision: 3))
        let topRow = (1 << Geohash.latitudeBits(3)) - 1
        let topCells = covering.entries.filter { $0.cell.latitudeIndex == topRow }
        #expect(topCells.count == 1 << Geohash.longitudeBits(3))
        #expect(GeoCovering(latitude: 0, longitude: 0, radiusMeters: 10_000_000, precision: 8)?.entries == nil)
    }
}
