import OITHExample
import RealModule
import TernTables

/// Synthetic users of the matching service, deterministic for a seed: spread around real
/// cities (weighted by metro population, Rayleigh-distributed distance with σ = 12 km), with a
/// dating-app age profile (most users 22-38, some 18-65) and gender mix.
struct DemoPopulation {
    struct City {
        let name: String
        let latitude: Double
        let longitude: Double
        /// Metro population in millions (a sampling weight).
        let weight: Double
    }

    static let cities: [City] = [
        City(name: "Tokyo", latitude: 35.6762, longitude: 139.6503, weight: 37), City(name: "Delhi", latitude: 28.7041, longitude: 77.1025, weight: 31),
        City(name: "Shanghai", latitude: 31.2304, longitude: 121.4737, weight: 27), City(name: "São Paulo", latitude: -23.5505, longitude: -46.6333, weight: 22),
        City(name: "Mexico City", latitude: 19.4326, longitude: -99.1332, weight: 22), City(name: "Cairo", latitude: 30.0444, longitude: 31.2357, weight: 21),
        City(name: "Mumbai", latitude: 19.0760, longitude: 72.8777, weight: 20), City(name: "New York", latitude: 40.7128, longitude: -74.0060, weight: 19),
        City(name: "Lagos", latitude: 6.5244, longitude: 3.3792, weight: 15), City(name: "Istanbul", latitude: 41.0082, longitude: 28.9784, weight: 15),
        City(name: "Buenos Aires", latitude: -34.6037, longitude: -58.3816, weight: 15), City(name: "Moscow", latitude: 55.7558, longitude: 37.6173, weight: 12),
        City(name: "Los Angeles", latitude: 34.0522, longitude: -118.2437, weight: 12), City(name: "Paris", latitude: 48.8566, longitude: 2.3522, weight: 11),
        City(name: "Jakarta", latitude: -6.2088, longitude: 106.8456, weight: 11), City(name: "Seoul", latitude: 37.5665, longitude: 126.9780, weight: 10),
        City(name: "London", latitude: 51.5074, longitude: -0.1278, weight: 9), City(name: "Chicago", latitude: 41.8781, longitude: -87.6298, weight: 9),
        City(name: "Madrid", latitude: 40.4168, longitude: -3.7038, weight: 6.7), City(name: "Toronto", latitude: 43.6532, longitude: -79.3832, weight: 6.2),
        City(name: "Singapore", latitude: 1.3521, longitude: 103.8198, weight: 5.9), City(name: "Johannesburg", latitude: -26.2041, longitude: 28.0473, weight: 5.6),
        City(name: "Sydney", latitude: -33.8688, longitude: 151.2093, weight: 5.3), City(name: "Berlin", latitude: 52.5200, longitude: 13.4050, weight: 3.6),
        City(name: "Auckland", latitude: -36.8485, longitude: 174.7633, weight: 1.7), City(name: "Anchorage", latitude: 61.2181, longitude: -149.9003, weight: 0.4),
        City(name: "Reykjavik", latitude: 64.1466, longitude: -21.9426, weight: 0.25),
        City(name: "Suva", latitude: -18.1248, longitude: 178.4501, weight: 0.2),  // next to the antimeridian
    ]

    static let firstNames = [
        "Ada", "Ben", "Chloé", "Dmitri", "Elif", "Femi", "Grace", "Hiro", "Ines", "Jonas", "Kavya", "Liam", "Mei", "Nia", "Omar", "Priya",
        "Quentin", "Rosa", "Sven", "Tala", "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zoë",
    ]
    static let interests = ["hiking", "coffee", "jazz", "climbing", "cooking", "films", "chess", "running", "poetry", "travel", "yoga", "board games"]

    /// A compact record of one user, kept for choosing query centres.
    struct User {
        let email: String
        let latitude: Double
        let longitude: Double
        let age: Int
    }

    private var random: SplitMix
    private let cumulativeWeights: [Double]

    init(seed: UInt64) {
        random = SplitMix(seed: seed)
        var total = 0.0
        cumulativeWeights = DemoPopulation.cities.map { city in
            total += city.weight
            return total
        }
    }

    /// User number `index`: its item (via `ItemEncoder`) and its record.
    mutating func user(_ index: Int) throws -> (Item, User) {
        let pick = random.unit() * cumulativeWeights[cumulativeWeights.count - 1]
        let city = DemoPopulation.cities[cumulativeWeights.firstIndex { $0 >= pick } ?? 0]
        let distance = 12_000 * (-2 * Double.log(1 - random.unit())).squareRoot()
        let (latitude, longitude) = DemoPopulation.destination(
            latitude: city.latitude, longitude: city.longitude, meters: distance, bearing: random.unit() * 2 * .pi)
        let age = random.unit() < 0.7 ? 22 + random.below(17) : 18 + random.below(48)
        let genderRoll = random.unit()
        let gender = genderRoll < 0.48 ? "F" : (genderRoll < 0.97 ? "M" : "NB")
        let interestedIn: Set<String> = gender == "NB" ? ["F", "M", "NB"] : (random.unit() < 0.9 ? [gender == "F" ? "M" : "F"] : ["F", "M"])
        let name = DemoPopulation.firstNames[random.below(DemoPopulation.firstNames.count)]
        let email = "user\(index)@oith.example"
        let profile = UserProfile(
            email: email, name: name, age: age, gender: gender, interestedIn: interestedIn, city: city.name,
            lat: (latitude * 1e5).rounded() / 1e5, lon: (longitude * 1e5).rounded() / 1e5,
            photoUrl: "https://img.oith.example/u/\(index).jpg",
            bio: "\(name) from \(city.name), into \(DemoPopulation.interests[random.below(DemoPopulation.interests.count)])",
            interests: (0..<3).map { _ in DemoPopulation.interests[random.below(DemoPopulation.interests.count)] })
        return (try ItemEncoder().encode(profile), User(email: email, latitude: profile.lat, longitude: profile.lon, age: age))
    }

    /// The point `meters` away from a start point at `bearing` (radians), on a sphere.
    static func destination(latitude: Double, longitude: Double, meters: Double, bearing: Double) -> (Double, Double) {
        let delta = meters / GeoDistance.earthRadiusMeters
        let phi1 = latitude * .pi / 180
        let phi2 = Double.asin(Double.sin(phi1) * Double.cos(delta) + Double.cos(phi1) * Double.sin(delta) * Double.cos(bearing))
        let lambda = longitude * .pi / 180
            + Double.atan2(y: Double.sin(bearing) * Double.sin(delta) * Double.cos(phi1), x: Double.cos(delta) - Double.sin(phi1) * Double.sin(phi2))
        var degrees = (lambda * 180 / .pi + 540).truncatingRemainder(dividingBy: 360) - 180
        if degrees < -180 { degrees += 360 }
        return (max(-90, min(90, phi2 * 180 / .pi)), degrees)
    }
}

/// SplitMix64: a small deterministic generator for the demo's synthetic data.
struct SplitMix {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Uniform in 0 ..< bound.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
