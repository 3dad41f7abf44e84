/// Geohash cells: the Earth's latitude/longitude rectangle split by bisection, longitude first,
/// five bits per base-32 character (`0123456789bcdefghjkmnpqrstuvwxyz`).
///
/// A cell of precision `p` has `lonBits = ceil(5p / 2)` longitude bits and `latBits = floor(5p / 2)`
/// latitude bits: it is `360 / 2^lonBits` degrees wide and `180 / 2^latBits` degrees tall
/// (precision 4: 0.35° × 0.18°, about 39 × 20 km at the equator). Encoding bisects exactly as the
/// reference algorithm does (a value on a midpoint goes to the upper half; longitude 180 and
/// latitude 90 fall in the last cell), so the strings match every other geohash implementation.
public struct GeohashCell: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Characters in the cell's string, 1...12.
    public let precision: Int
    /// Row, 0 at the South Pole, below `2^latitudeBits`.
    public let latitudeIndex: Int
    /// Column, 0 at longitude -180, below `2^longitudeBits`.
    public let longitudeIndex: Int

    /// The cell at `latitudeIndex`, `longitudeIndex` of `precision`. REQUIRES: indexes in range.
    public init(precision: Int, latitudeIndex: Int, longitudeIndex: Int) {
        precondition((1...Geohash.maxPrecision).contains(precision), "geohash precision out of range")
        precondition(latitudeIndex >= 0 && latitudeIndex < 1 << Geohash.latitudeBits(precision))
        precondition(longitudeIndex >= 0 && longitudeIndex < 1 << Geohash.longitudeBits(precision))
        self.precision = precision
        self.latitudeIndex = latitudeIndex
        self.longitudeIndex = longitudeIndex
    }

    /// The cell containing (`latitude`, `longitude`), in degrees. REQUIRES: latitude in -90...90,
    /// longitude in -180...180.
    public init(latitude: Double, longitude: Double, precision: Int) {
        precondition((-90...90).contains(latitude) && (-180...180).contains(longitude), "coordinates out of range")
        self.init(
            precision: precision,
            latitudeIndex: Geohash.bisect(latitude, low: -90, high: 90, bits: Geohash.latitudeBits(precision)),
            longitudeIndex: Geohash.bisect(longitude, low: -180, high: 180, bits: Geohash.longitudeBits(precision)))
    }

    /// Parses a geohash string (lower-case base 32), or nil for an empty, too long or invalid one.
    public init?(_ text: String) {
        let characters = Array(text.utf8)
        guard (1...Geohash.maxPrecision).contains(characters.count) else { return nil }
        var bits: UInt64 = 0
        for character in characters {
            guard character < 128, let value = Geohash.decodeTable[Int(character)] else { return nil }
            bits = bits << 5 | UInt64(value)
        }
        let total = 5 * characters.count
        var latitude = 0
        var longitude = 0
        for position in 0..<total {
            let bit = Int((bits >> UInt64(total - 1 - position)) & 1)
            if position % 2 == 0 { longitude = longitude << 1 | bit } else { latitude = latitude << 1 | bit }
        }
        self.init(precision: characters.count, latitudeIndex: latitude, longitudeIndex: longitude)
    }

    /// The base-32 string.
    public var description: String {
        let total = 5 * precision
        var bits: UInt64 = 0
        var latitudeBit = Geohash.latitudeBits(precision)
        var longitudeBit = Geohash.longitudeBits(precision)
        for position in 0..<total {
            let bit: Int
            if position % 2 == 0 {
                longitudeBit -= 1
                bit = (longitudeIndex >> longitudeBit) & 1
            } else {
                latitudeBit -= 1
                bit = (latitudeIndex >> latitudeBit) & 1
            }
            bits = bits << 1 | UInt64(bit)
        }
        var characters: [UInt8] = []
        characters.reserveCapacity(precision)
        for index in 0..<precision {
            let value = Int((bits >> UInt64(5 * (precision - 1 - index))) & 31)
            characters.append(Geohash.alphabet[value])
        }
        return String(decoding: characters, as: UTF8.self)
    }

    /// Southern edge, degrees.
    public var minimumLatitude: Double { -90 + Double(latitudeIndex) * height }
    /// Northern edge, degrees.
    public var maximumLatitude: Double { -90 + Double(latitudeIndex + 1) * height }
    /// Western edge, degrees.
    public var minimumLongitude: Double { -180 + Double(longitudeIndex) * width }
    /// Eastern edge, degrees.
    public var maximumLongitude: Double { -180 + Double(longitudeIndex + 1) * width }
    /// Height in degrees of latitude.
    public var height: Double { 180 / Double(1 << Geohash.latitudeBits(precision)) }
    /// Width in degrees of longitude.
    public var width: Double { 360 / Double(1 << Geohash.longitudeBits(precision)) }
    /// The centre (latitude, longitude).
    public var center: (latitude: Double, longitude: Double) {
        (minimumLatitude + height / 2, minimumLongitude + width / 2)
    }

    /// The up-to-8 cells around this one (N, NE, E, SE, S, SW, W, NW order, skipping those beyond
    /// a pole). East and west wrap across the antimeridian.
    public var neighbours: [GeohashCell] {
        let rows = 1 << Geohash.latitudeBits(precision)
        let columns = 1 << Geohash.longitudeBits(precision)
        let offsets = [(1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1)]
        var cells: [GeohashCell] = []
        for (rowOffset, columnOffset) in offsets {
            let row = latitudeIndex + rowOffset
            guard row >= 0, row < rows else { continue }
            let column = ((longitudeIndex + columnOffset) % columns + columns) % columns
            let cell = GeohashCell(precision: precision, latitudeIndex: row, longitudeIndex: column)
            if cell != self, !cells.contains(cell) { cells.append(cell) }
        }
        return cells
    }

    /// Orders cells by their strings (the index's key order).
    public static func < (lhs: GeohashCell, rhs: GeohashCell) -> Bool {
        ByteOrder.compare(lhs.description, rhs.description) < 0
    }
}

/// Geohash constants and helpers.
public enum Geohash {
    /// The longest cell string: 60 bits.
    public static let maxPrecision = 12
    static let alphabet = Array("0123456789bcdefghjkmnpqrstuvwxyz".utf8)
    static let decodeTable: [UInt8?] = {
        var table = [UInt8?](repeating: nil, count: 128)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }()

    /// Longitude bits of a cell of `precision`.
    public static func longitudeBits(_ precision: Int) -> Int { (5 * precision + 1) / 2 }
    /// Latitude bits of a cell of `precision`.
    public static func latitudeBits(_ precision: Int) -> Int { 5 * precision / 2 }

    /// The geohash string of (`latitude`, `longitude`) at `precision`.
    public static func encode(latitude: Double, longitude: Double, precision: Int) -> String {
        GeohashCell(latitude: latitude, longitude: longitude, precision: precision).description
    }

    /// The index of the cell holding `value` among `2^bits` equal slices of `low...high`, by
    /// bisection (a value on a midpoint goes up), exactly as the reference algorithm.
    static func bisect(_ value: Double, low: Double, high: Double, bits: Int) -> Int {
        var low = low
        var high = high
        var index = 0
        for _ in 0..<bits {
            let middle = (low + high) / 2
            if value >= middle {
                index = index << 1 | 1
                low = middle
            } else {
                index <<= 1
                high = middle
            }
        }
        return index
    }
}
