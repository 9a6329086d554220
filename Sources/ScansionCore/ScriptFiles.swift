import Foundation

/// Reading scripts from disk.
public enum ScriptFiles {
    /// A path given on the command line that does not exist.
    public struct NotFound: Error, CustomStringConvertible {
        public var path: String
        public var description: String { "no such file or folder: \(path)" }
    }

    /// The `.scs` files named by `paths`: files as given, folders searched recursively; sorted by
    /// path within each folder, duplicates removed.
    public static func collect(_ paths: [String]) throws -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw NotFound(path: path)
            }
            if isDirectory.boolValue {
                let base = URL(fileURLWithPath: path)
                let found = (fm.enumerator(atPath: path)?.compactMap { $0 as? String } ?? [])
                    .filter { $0.hasSuffix(".scs") }
                    .map { base.appendingPathComponent($0).path }
                    .sorted()
                out += found
            } else {
                out.append(path)
            }
        }
        var seen = Set<String>()
        return out.filter { seen.insert($0).inserted }
    }
}

func readFile(_ path: String) throws -> String {
    try String(contentsOfFile: path, encoding: .utf8)
}
