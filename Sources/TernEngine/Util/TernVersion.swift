/// The version of Tern these modules belong to (`tern --version` prints it).
///
/// Semantic versioning: before 1.0 a minor version may change the API or a file format (a
/// format change also bumps that format's own version constant, which is what decides whether
/// a store opens).
public enum TernVersion {
    /// `major.minor.patch`.
    public static let current = "0.1.0"
}
