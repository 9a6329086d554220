import ScansionCore
import Foundation
import Scansion
import Testing
import XMPPCore

/// The package root, found by walking up from this file to the folder holding Package.swift.
func packageRoot(_ file: String = #filePath) -> URL {
    var url = URL(fileURLWithPath: file).deletingLastPathComponent()
    while url.path != "/" {
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        url = url.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// Folder of the scansion fixtures.
let fixturesFolder = packageRoot().appendingPathComponent("Fixtures/scansion")

/// File names of every `.scs` fixture, sorted.
let fixtureScripts: [String] = {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: fixturesFolder.path)) ?? []
    return names.filter { $0.hasSuffix(".scs") }.sorted()
}()

/// Parses one stanza of test XML (default namespace jabber:client, `scansion` prefix bound).
func stanza(_ xml: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Element {
    let elements = try StanzaXML.parse(xml)
    return try #require(elements.first, "no element in \(xml)", sourceLocation: sourceLocation)
}

/// Writes `text` to a new temporary file and returns its path.
func temporaryScript(_ text: String, name: String = "script.scs") throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scansion-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let file = dir.appendingPathComponent(name)
    try text.write(to: file, atomically: true, encoding: .utf8)
    return file.path
}
