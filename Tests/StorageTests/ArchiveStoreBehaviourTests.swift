import Foundation
import MUC
import RoomStore
import Testing
import XMPPCore

/// One behavioural contract for rooms' message archives, run against every backend (PostgreSQL
/// with `make test-postgres`).
///
/// The checks share one store per backend, each on rooms of its own: every PostgreSQL test
/// database costs a `CREATE DATABASE`, and many of them at once on this 2-core machine made
/// connection set-up in other suites exceed the store's 5-second connect timeout.
@Suite("ArchiveStore behaviour")
struct ArchiveStoreBehaviourTests {
    @Test("the archive contract", arguments: Backend.available)
    func contract(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            try await Self.pagingCoversEverything(fixture, room: "paging@conference.example.org", other: "paging-other@conference.example.org")
            try await Self.completeness(fixture, room: "complete@conference.example.org")
            try await Self.filters(fixture, room: "filters@conference.example.org")
            try await Self.unknownIDs(fixture, room: "unknown@conference.example.org", other: "unknown-other@conference.example.org")
            try await Self.duplicateIDs(fixture, room: "duplicates@conference.example.org", other: "duplicates-other@conference.example.org")
            try await Self.replace(fixture, room: "tombstones@conference.example.org")
            try await Self.deletionAndRetention(fixture, room: "retention@conference.example.org", other: "retention-other@conference.example.org")
            try await Self.trimAndMeasure(fixture, room: "bounded@conference.example.org", other: "bounded-other@conference.example.org")
            try await Self.durable(fixture, room: "durable@conference.example.org")
        }
    }

    /// Paging forward and backward covers every message once, in order.
    static func pagingCoversEverything(_ fixture: StoreFixture, room: String, other: String = "") async throws {
        do {
            let archive = try fixture.archive
            let all = archivedMessages(room, count: 257)
            try await archive.append(Array(all[..<100]))
            try await archive.append(Array(all[100...]))
            try await archive.append(archivedMessages(other, count: 30))

            // Forward from the start, 20 at a time.
            var forward: [String] = []
            var page = try #require(try await archive.query(ArchiveQuery(room: jid(room), max: 20, wantsCount: true)))
            #expect(page.count == 257)
            forward += page.messages.map(\.id)
            var pages = 1
            while !page.complete {
                page = try #require(try await archive.query(ArchiveQuery(room: jid(room), page: .after(forward.last!), max: 20)))
                forward += page.messages.map(\.id)
                pages += 1
            }
            #expect(forward == all.map(\.id))
            #expect(pages == 13)

            // Backward from the end (an empty <before/>), 50 at a time.
            var backward: [String] = []
            page = try #require(try await archive.query(ArchiveQuery(room: jid(room), page: .last, max: 50)))
            #expect(page.messages.map(\.id) == all.suffix(50).map(\.id), "a backward page is still oldest first")
            backward = page.messages.map(\.id) + backward
            while !page.complete {
                page = try #require(try await archive.query(ArchiveQuery(room: jid(room), page: .before(backward.first!), max: 50)))
                backward = page.messages.map(\.id) + backward
            }
            #expect(backward == all.map(\.id))
            // What was stored comes back exactly.
            let one = try #require(try await archive.query(ArchiveQuery(room: jid(room), page: .after("m41"), max: 1)))
            #expect(one.messages == [all[42]])
            #expect(!one.complete)
        }
    }

    /// Complete is true exactly when the page reaches the end it moves to.
    static func completeness(_ fixture: StoreFixture, room: String, other: String = "") async throws {
        do {
            let archive = try fixture.archive
            let r = jid(room)
            #expect(try await archive.query(ArchiveQuery(room: r, max: 10)) == ArchivePage(messages: [], complete: true, count: nil))
            try await archive.append(archivedMessages(room, count: 10))
            #expect(try await archive.query(ArchiveQuery(room: r, max: 10))?.complete == true)
            #expect(try await archive.query(ArchiveQuery(room: r, max: 9))?.complete == false)
            #expect(try await archive.query(ArchiveQuery(room: r, page: .after("m8"), max: 1))?.complete == true)
            #expect(try await archive.query(ArchiveQuery(room: r, page: .before("m1"), max: 1))?.complete == true)
            #expect(try await archive.query(ArchiveQuery(room: r, page: .before("m2"), max: 1))?.complete == false)
            let none = try #require(try await archive.query(ArchiveQuery(room: r, max: 0, wantsCount: true)))
            #expect(none.messages.isEmpty && !none.complete && none.count == 10)
        }
    }

    /// Filters: start, end and with, counted.
    static func filters(_ fixture: StoreFixture, room: String, other: String = "") async throws {
        do {
            let archive = try fixture.archive
            let all = archivedMessages(room, count: 40)
            try await archive.append(all)
            let r = jid(room)
            let window = try #require(try await archive.query(ArchiveQuery(room: r, start: all[10].time, end: all[19].time, max: 100, wantsCount: true)))
            #expect(window.messages.map(\.id) == all[10...19].map(\.id))
            #expect(window.count == 10 && window.complete)
            let bob = try #require(try await archive.query(ArchiveQuery(room: r, with: jid("bob@example.org"), max: 5, wantsCount: true)))
            #expect(bob.messages.map(\.id) == ["m1", "m3", "m5", "m7", "m9"])
            #expect(bob.count == 20 && !bob.complete)
            // Paging inside a filter: after an id the filter itself would not match.
            let next = try #require(try await archive.query(ArchiveQuery(room: r, with: jid("bob@example.org"), page: .after("m10"), max: 2)))
            #expect(next.messages.map(\.id) == ["m11", "m13"])
            let lastBob = try #require(try await archive.query(ArchiveQuery(room: r, end: all[20].time, with: jid("bob@example.org"), page: .last, max: 3)))
            #expect(lastBob.messages.map(\.id) == ["m15", "m17", "m19"])
        }
    }

    /// An id the room does not have is nil (item-not-found), also one of another room.
    static func unknownIDs(_ fixture: StoreFixture, room: String, other: String = "") async throws {
        do {
            let archive = try fixture.archive
            try await archive.append(archivedMessages(room, count: 3))
            try await archive.append(archivedMessages(other, count: 3, idPrefix: "o"))
            #expect(try await archive.query(ArchiveQuery(room: jid(room), page: .after("nope"), max: 5)) == nil)
            #expect(try await archive.query(ArchiveQuery(room: jid(room), page: .before("o1"), max: 5)) == nil)
            #expect(try await archive.query(ArchiveQuery(room: jid("empty@conference.example.org"), max: 5))?.messages.isEmpty == true)
        }
    }

    /// A batch with an id the room has already is refused whole.
    static func duplicateIDs(_ fixture: StoreFixture, room: String, other: String = "") async throws {
        do {
            let archive = try fixture.archive
            let all = archivedMessages(room, count: 5)
            try await archive.append(Array(all[..<3]))
            await expectStoreError(.invalidRecord) { try await archive.append(Array(all[2...])) }
            #expect(try await archive.archiveSize(of: jid(room)).messages == 3)
            // The same id in another room is another message.
            try await archive.append(archivedMessages(other, count: 1))
            #expect(try await archive.archiveSize(of: jid(other)).messages == 1)
        }
    }

    /// A tombstone replaces a message where it stood.
    static func replace(_ fixture: StoreFixture, room: String, other: String = "") async throws {
        do {
            let archive = try fixture.archive
            try await archive.append(archivedMessages(room, count: 3))
            let tombstone = "<message from='\(room)/Alice' type='groupchat'><retracted xmlns='urn:xmpp:message-retract:1'/></message>"
            #expect(try await archive.replace(room: jid(room), id: "m1", stanza: tombstone))
            #expect(try await !archive.replace(room: jid(room), id: "m9", stanza: tombstone))
            let page = try #require(try await archive.query(ArchiveQuery(room: jid(room), max: 10)))
            #expect(page.messages.map(\.stanza)[1] == tombstone)
            #expect(page.messages.map(\.id) == ["m0", "m1", "m2"])
        }
    }

    /// Deleting a room's archive and expiring old messages in batches.
    static func deletionAndRetention(_ fixture: StoreFixture, room: String, other: String = "") async throws {
        do {
            let archive = try fixture.archive
            // Long before every other check's messages: retention deletes across rooms.
            let a = archivedMessages(room, count: 30, start: 1_000_000_000)
            let b = archivedMessages(other, count: 30, start: 1_000_000_010.5)
            try await archive.append(a)
            try await archive.append(b)
            // Older than a[20]: a[0..<20] and b[0..<10]; oldest first, 12 at a time.
            #expect(try await archive.expire(before: a[20].time, limit: 12) == 12)
            #expect(try await archive.archiveSize(of: jid(room)).messages == 19, "a[0...10] went first (b starts later)")
            #expect(try await archive.expire(before: a[20].time, limit: 12) == 12)
            #expect(try await archive.expire(before: a[20].time, limit: 12) == 6)
            #expect(try await archive.expire(before: a[20].time, limit: 12) == 0)
            #expect(try await archive.archiveSize(of: jid(room)).messages == 10)
            #expect(try await archive.archiveSize(of: jid(other)).messages == 20)
            // The first page now starts at a[20]; an expired id is unknown.
            #expect(try await archive.query(ArchiveQuery(room: jid(room), max: 1))?.messages.first?.id == "m20")
            #expect(try await archive.query(ArchiveQuery(room: jid(room), page: .after("m3"), max: 1)) == nil)
            try await archive.deleteArchive(of: jid(room))
            #expect(try await archive.archiveSize(of: jid(room)).messages == 0)
            #expect(try await archive.archiveSize(of: jid(other)).messages == 20)
            // Deleting a room takes its archive with it (and only its own).
            try await fixture.store.save(simpleRecord(other))
            try await fixture.store.delete(jid(other))
            #expect(try await fixture.store.load(jid(other)) == nil)
            #expect(try await archive.archiveSize(of: jid(other)).messages == 0)
        }
    }

    /// The per-room bound drops a room's oldest messages beyond its newest N, in batches; sizes;
    /// the listing of archived rooms pages in JID order.
    static func trimAndMeasure(_ fixture: StoreFixture, room: String, other: String) async throws {
        do {
            let archive = try fixture.archive
            let a = archivedMessages(room, count: 25)
            try await archive.append(a)
            try await archive.append(archivedMessages(other, count: 5, idPrefix: "o"))
            #expect(try await archive.trim(room: jid(room), keeping: 10, limit: 4) == 4)
            #expect(try await archive.trim(room: jid(room), keeping: 10, limit: 100) == 11)
            #expect(try await archive.trim(room: jid(room), keeping: 10, limit: 100) == 0)
            #expect(try await archive.trim(room: jid(other), keeping: 10, limit: 100) == 0)
            let page = try #require(try await archive.query(ArchiveQuery(room: jid(room), max: 50)))
            #expect(page.messages.map(\.id) == a[15...].map(\.id), "the newest ten stay, in order")

            let size = try await archive.archiveSize(of: jid(room))
            #expect(size.messages == 10)
            #expect(size.stanzaBytes == a[15...].reduce(0) { $0 + $1.stanza.utf8.count })
            #expect(size.oldest == a[15].time)
            #expect(size.newest == a[24].time)
            #expect(try await archive.archiveSize(of: jid("nothing@conference.example.org")) == ArchiveSize())
            #expect(try await archive.archiveSize(of: nil).messages >= 15)

            // Every archived room once, in order, through pages of two.
            var listed: [BareJID] = []
            var cursor: BareJID? = nil
            while true {
                let rooms = try await archive.archivedRooms(after: cursor, limit: 2)
                listed += rooms
                guard rooms.count == 2 else { break }
                cursor = rooms.last
            }
            #expect(listed == listed.sorted())
            #expect(Set(listed).count == listed.count)
            #expect(listed.contains(jid(room)) && listed.contains(jid(other)))
            // A room trimmed to nothing is no longer listed.
            #expect(try await archive.trim(room: jid(other), keeping: 0, limit: 100) == 5)
            #expect(try await !archive.archivedRooms(after: nil, limit: 10_000).contains(jid(other)))
        }
    }

    /// The archive survives a restart.
    static func durable(_ fixture: StoreFixture, room: String, other: String = "") async throws {
        do {
            let all = archivedMessages(room, count: 7)
            try await fixture.archive.append(all)
            try await fixture.reopen()
            let page = try #require(try await fixture.archive.query(ArchiveQuery(room: jid(room), max: 10)))
            #expect(page.messages == all)
        }
    }
}
