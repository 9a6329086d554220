import Foundation
import Testing
import XMPPCore
@testable import MUC

/// The four reference scripts, replayed unmodified against the machine.
@Suite struct ReferenceScriptTests {
    /// `Fixtures/scansion/NAME.scs` of this package; while the fixtures are not yet copied there,
    /// the shared folder beside the package.
    static func script(_ name: String) -> String? {
        let root = String(#filePath).components(separatedBy: "/Tests/MUCTests/")[0]
        for dir in [root + "/Fixtures/scansion", root + "/../shared/scansion"] {
            if let s = try? String(contentsOfFile: dir + "/" + name + ".scs", encoding: .utf8) { return s }
        }
        return nil
    }

    @Test(arguments: ["muc_password", "muc_members_only_change", "muc_affiliation_notify", "muc_show_offline"])
    func referenceScript(_ name: String) throws {
        let text = try #require(Self.script(name), "script \(name).scs not found")
        let replay = ScriptReplay(script: text)
        let checked = replay.run()
        #expect(checked > 5)
    }
}

extension ReferenceScriptTests {
    /// The replay itself notices a wrong expectation (so a pass above means something).
    @Test func replayDetectsAMismatch() throws {
        let text = try #require(Self.script("muc_password")).replacingOccurrences(of: "code='201'", with: "code='202'")
        withKnownIssue { ScriptReplay(script: text).run() }
    }

    /// The replay notices a stanza missing from the expected position.
    @Test func replayDetectsOrder() throws {
        // Swap the order of the two first expectations (self-presence, subject).
        let text = try #require(Self.script("muc_members_only_change"))
        let subject = "Romeo receives:\n\t<message type='groupchat' from='room@conference.localhost'><subject/></message>\n"
        guard let r = text.range(of: subject) else { Issue.record("fixture changed"); return }
        var swapped = text
        swapped.removeSubrange(r)
        swapped = swapped.replacingOccurrences(of: "Romeo receives:\n\t<presence from='room@conference.localhost/Romeo'>",
                                               with: subject + "\nRomeo receives:\n\t<presence from='room@conference.localhost/Romeo'>")
        withKnownIssue { ScriptReplay(script: swapped).run() }
    }
}
