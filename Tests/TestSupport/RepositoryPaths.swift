import Foundation

/// Where things are in this checkout, found from this file's own path.
public enum RepositoryPaths {
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The Python fakes and the SDK check scripts (Tests/Fakes).
    public static let fakes = root.appendingPathComponent("Tests/Fakes")
}
