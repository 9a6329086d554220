import Testing
import XMPPCore
@testable import MUC

/// `limits.max_rooms` (MUCSettings.maxRooms): a bound on rooms in memory. At the bound a
/// persistent, configured, empty room leaves memory when a store keeps it; otherwise a new room
/// is refused with resource-constraint (wait), and the room limit protects the service from
/// someone creating rooms without end.
@Suite struct RoomLimitTests {
    static func settings(maxRooms: Int) -> MUCSettings {
        var s = MUCSettings(domain: "conference.localhost")
        s.maxRooms = maxRooms
        return s
    }

    @Test func creationBeyondTheBoundIsRefusedWithResourceConstraint() {
        var t = Transcript(Self.settings(maxRooms: 2))
        t.createInstantRoom(People.romeo, nick: "Romeo", room: "a@conference.localhost")
        t.createInstantRoom(People.romeo, nick: "Romeo", room: "b@conference.localhost")
        let refused = t.join(People.juliet, nick: "Juliet", room: "c@conference.localhost")
        expectError(refused, to: People.juliet, type: "wait", condition: "resource-constraint", from: "c@conference.localhost/Juliet")
        #expect(t.service.roomCount == 2)
        // Joining an existing room is not creation: still allowed.
        let joined = t.join(People.juliet, nick: "Juliet", room: "a@conference.localhost")
        #expect(joined.to(People.juliet).contains { $0.name == "presence" && $0.attribute("type") == nil })
    }

    @Test func aTemporaryRoomThatEmptiesFreesItsPlace() {
        var t = Transcript(Self.settings(maxRooms: 1))
        t.createInstantRoom(People.romeo, nick: "Romeo", room: "a@conference.localhost")
        t.send("<presence type='unavailable' to='a@conference.localhost/Romeo'/>", from: People.romeo)
        #expect(t.service.roomCount == 0)
        t.createInstantRoom(People.juliet, nick: "Juliet", room: "b@conference.localhost")
        #expect(t.service.hasRoom(try! BareJID("b@conference.localhost")))
    }

    @Test func withoutAStoreAnEmptyPersistentRoomStaysAndCountsAgainstTheBound() {
        var t = Transcript(Self.settings(maxRooms: 1), store: false)
        t.createInstantRoom(People.romeo, nick: "Romeo", room: "a@conference.localhost", config: field("persistentroom", "1"))
        t.send("<presence type='unavailable' to='a@conference.localhost/Romeo'/>", from: People.romeo)
        #expect(t.service.hasRoom(try! BareJID("a@conference.localhost")), "nothing else keeps it: it must stay")
        let refused = t.join(People.juliet, nick: "Juliet", room: "b@conference.localhost")
        expectError(refused, to: People.juliet, type: "wait", condition: "resource-constraint", from: "b@conference.localhost/Juliet")
    }

    @Test func withAStoreTheLongestIdlePersistentRoomLeavesMemory() {
        var t = Transcript(Self.settings(maxRooms: 2))
        let a = try! BareJID("a@conference.localhost"), b = try! BareJID("b@conference.localhost")
        for room in [a, b] {
            t.createInstantRoom(People.romeo, nick: "Romeo", room: room.description, config: field("persistentroom", "1"))
        }
        // a empties first, then b: a is the longest idle.
        t.send("<presence type='unavailable' to='a@conference.localhost/Romeo'/>", from: People.romeo)
        t.send("<presence type='unavailable' to='b@conference.localhost/Romeo'/>", from: People.romeo)
        t.createInstantRoom(People.juliet, nick: "Juliet", room: "c@conference.localhost")
        #expect(!t.service.hasRoom(a))
        #expect(t.service.hasRoom(b))
        #expect(t.service.roomCount == 2)
    }

    @Test func anOccupiedRoomIsNeverUnloaded() {
        var t = Transcript(Self.settings(maxRooms: 1))
        t.createInstantRoom(People.romeo, nick: "Romeo", room: "a@conference.localhost", config: field("persistentroom", "1"))
        // It was idle for a moment (before Romeo's form made it persistent it was locked); now occupied.
        let refused = t.join(People.juliet, nick: "Juliet", room: "b@conference.localhost")
        expectError(refused, to: People.juliet, type: "wait", condition: "resource-constraint", from: "b@conference.localhost/Juliet")
        #expect(t.service.hasRoom(try! BareJID("a@conference.localhost")))
    }

    @Test func aLoadedRoomIsIdleUntilSomeoneEnters() {
        var t = Transcript(Self.settings(maxRooms: 1))
        var config = RoomConfig()
        config.persistent = true
        t.service.load(RoomRecord(jid: try! BareJID("stored@conference.localhost"), config: config, affiliations: [],
                                  subject: "", subjectNick: nil, subjectTime: nil, hats: []))
        let space = t.service.makeSpaceForRoom()
        #expect(space, "the loaded room is empty and stored: it may go")
        #expect(t.service.roomCount == 0)
    }

    @Test func noBoundMeansNoTracking() {
        var t = Transcript(Self.settings(maxRooms: 0))
        for i in 0..<5 {
            t.createInstantRoom(People.romeo, nick: "Romeo", room: "r\(i)@conference.localhost", config: field("persistentroom", "1"))
            t.send("<presence type='unavailable' to='r\(i)@conference.localhost/Romeo'/>", from: People.romeo)
        }
        #expect(t.service.roomCount == 5)
        let space = t.service.makeSpaceForRoom()
        #expect(space)
        #expect(t.service.roomCount == 5)
    }
}
