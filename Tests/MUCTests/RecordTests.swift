import Foundation
import Testing
import XMPPCore
@testable import MUC

/// Durable state: records, restoring, and the XEP-0082 timestamps.
@Suite struct RecordTests {
    let romeo = People.romeo, juliet = People.juliet, room = People.room

    @Test func recordRoundTripsThroughJSON() throws {
        let record = RoomRecord(jid: try BareJID(room),
                                config: RoomConfig(name: "N", persistent: true, password: "p", presenceBroadcast: [.moderator, .none]),
                                affiliations: [AffiliationRecord(jid: try BareJID("a@b"), affiliation: .owner, nick: "A"),
                                               AffiliationRecord(jid: try BareJID("c@d"), affiliation: .outcast, reason: "Treason")],
                                subject: "S", subjectNick: "A", subjectTime: 12.5)
        let data = try JSONEncoder().encode(record)
        #expect(try JSONDecoder().decode(RoomRecord.self, from: data) == record)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(RoomRecord.self, from: Data(#"{"jid":"@@","config":{}}"#.utf8))
        }
    }

    /// Stored rooms written before fields existed keep loading (muc-bugs LEAD-1): missing fields
    /// take their defaults.
    @Test func oldDocumentsDecodeWithDefaults() throws {
        let old = #"{"jid":"room@conference.localhost","config":{"name":"Old","persistent":true,"whois":"anyone"},"affiliations":[{"jid":"a@b","affiliation":"owner"}],"subject":"S"}"#
        let record = try JSONDecoder().decode(RoomRecord.self, from: Data(old.utf8))
        var expected = RoomConfig(name: "Old", persistent: true, whois: .anyone)
        #expect(record.config == expected)
        #expect(record.hats == [])
        #expect(record.affiliations.map(\.affiliation) == [.owner])
        // A config without any field is the default one.
        let bare = try JSONDecoder().decode(RoomConfig.self, from: Data("{}".utf8))
        #expect(bare == RoomConfig())
        // New fields round-trip.
        expected.allowPM = .moderators
        let withHats = RoomRecord(jid: try BareJID(room), config: expected,
                                  hats: [HatRecord(uri: "urn:h", title: "Host", hue: "20", holders: [try BareJID("a@b")])])
        #expect(try JSONDecoder().decode(RoomRecord.self, from: try JSONEncoder().encode(withHats)) == withHats)
    }

    @Test func loadedRoomsAreUnlockedAndKeepTheirState() throws {
        var t = Transcript()
        t.join(romeo, nick: "Romeo")
        t.submitConfig(romeo, field("persistentroom", "1") + field("roomname", "Kept"))
        t.admin(romeo, "<item affiliation='member' jid='\(People.julietBare)' nick='Juliet'/>")
        t.send("<message type='groupchat' to='\(room)'><subject>Plans</subject></message>", from: romeo)
        let record = try #require(t.service.record(of: try BareJID(room)))

        var fresh = Transcript()
        fresh.service.load(record)
        #expect(fresh.service.roomCount == 1)
        #expect(fresh.service.record(of: try BareJID(room)) == record)
        let join = fresh.join(juliet, nick: "Juliet")
        expectStanzas(join, to: juliet, [
            X.presence("Juliet", X.item("member", "participant", jid: juliet) + X.status(110)),
            "<message type='groupchat' from='\(room)/Romeo'><subject>Plans</subject></message>",
        ])
        expectError(fresh.join(People.rosaline, nick: "Juliet"), to: People.rosaline, type: "cancel", condition: "conflict")
    }

    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00Z"),
        (1_000_000_000.9, "2001-09-09T01:46:40Z"),
        (951_782_400, "2000-02-29T00:00:00Z"),
        (4_102_444_799, "2099-12-31T23:59:59Z"),
        (-1, "1969-12-31T23:59:59Z"),
    ])
    func timestamps(_ seconds: Double, _ text: String) {
        #expect(Timestamp.format(seconds) == text)
        #expect(Timestamp.parse(text) == seconds.rounded(.down))
    }

    @Test func timestampParsing() {
        #expect(Timestamp.parse("2002-10-13T23:58:37.25Z") == 1_034_553_517.25)
        #expect(Timestamp.parse("2002-10-14T01:58:37+02:00") == 1_034_553_517)
        #expect(Timestamp.parse("2002-10-13T20:58:37-03:00") == 1_034_553_517)
        for bad in ["", "2002-10-13", "2002-13-13T00:00:00Z", "2002-10-13T24:00:00Z", "2002-10-13T00:00:00", "2002-10-13T00:00:00Zjunk", "x002-10-13T00:00:00Z"] {
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
    }
}
