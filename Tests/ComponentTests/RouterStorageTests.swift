import Foundation
import Logging
import MUC
import MUCConfig
import NIOCore
import NIOPosix
import RoomStore
import Testing
import XMLStream
import XMPPCore
@testable import Component

/// The runtime carrying out the machine's storage conversation, without sockets: the production
/// router on an event loop, a host that collects what it writes, and a memory store that
/// succeeds, fails or stalls on command. Assertions are on the order of what is written, never on
/// time.
@Suite(.serialized, .timeLimit(.minutes(1))) struct RouterStorageTests {
    /// Plays the runtime around the router: the loop, and an outbox whose stanzas it keeps.
    final class Host: RouterHost, @unchecked Sendable {
        let loop: EventLoop
        let outbox = Outbox(allocator: ByteBufferAllocator())
        fileprivate(set) var written: [Element] = []
        private(set) var resumed = 0

        init(loop: EventLoop) { self.loop = loop }

        func withOutbox(_ body: (Outbox) -> Void) {
            body(outbox)
            collect()
        }

        func inputMayResume() { resumed += 1 }

        func collect() {
            guard var bytes = outbox.take(), let text = bytes.readString(length: bytes.readableBytes) else { return }
            written += (try? XMLStreamParser.parseFragment(text, defaultNamespace: NS.component)) ?? []
        }
    }

    /// A router on its own loop, with `store`.
    final class Rig: @unchecked Sendable {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let host: Host
        var router: MUCRouter!

        init(store: any RoomStore) async throws {
            _ = try await store.migrate()
            host = Host(loop: group.next())
            var c = Configuration()
            c.component.domain = "conference.localhost"
            let host = self.host
            router = try await host.loop.submit {
                MUCRouter(configuration: c, secret: "s3cret", store: store, host: host,
                          logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            }.get()
        }

        // The last reference may go on the loop itself: shut down without waiting.
        deinit { group.shutdownGracefully { _ in } }

        /// Hands one stanza (XML in `jabber:component:accept`) to the router, as the link would.
        func receive(_ xml: String, from: String) async throws {
            var e = try #require(try XMLStreamParser.parseFragment(xml, defaultNamespace: NS.component).first)
            e.setAttribute("from", from)
            let stanza = e
            try await host.loop.submit {
                self.router.process(stanza, now: 1_700_000_000, out: self.host.outbox)
                self.host.collect()
            }.get()
        }

        /// Waits until no storage action is in flight (the store answered and the machine went on).
        func settle() async throws {
            for _ in 0..<1000 {
                let busy = try await host.loop.submit { self.router.storage?.inFlight ?? 0 }.get()
                if busy == 0 { return }
                try await Task.sleep(for: .milliseconds(5))
            }
            Issue.record("the store never answered")
        }

        /// What was written so far; the list starts afresh.
        func drain() async throws -> [Element] {
            try await host.loop.submit {
                let w = self.host.written
                self.host.clear()
                return w
            }.get()
        }
    }

    static let romeo = "romeo@localhost/r", juliet = "juliet@localhost/j"

    /// Romeo's persistent room A and Juliet's temporary room B.
    static func twoRooms(_ rig: Rig) async throws {
        try await rig.receive("<presence to='a@conference.localhost/Romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>", from: romeo)
        try await rig.settle()
        try await rig.receive("""
            <iq id='cfg' to='a@conference.localhost' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'>
            <x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>
            <field var='muc#roomconfig_persistentroom'><value>1</value></field></x></query></iq>
            """, from: romeo)
        try await rig.settle()
        try await rig.receive("<presence to='b@conference.localhost/Juliet'><x xmlns='http://jabber.org/protocol/muc'/></presence>", from: juliet)
        try await rig.settle()
        _ = try await rig.drain()
    }

    static let rename = """
        <iq id='rename' to='a@conference.localhost' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'>
        <x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>
        <field var='muc#roomconfig_roomname'><value>Renamed</value></field></x></query></iq>
        """

    @Test func aStalledWriteForOneRoomDoesNotDelayAnother() async throws {
        let store = MemoryRoomStore()
        let rig = try await Rig(store: store)
        try await Self.twoRooms(rig)
        await store.stallWrites()
        try await rig.receive(Self.rename, from: Self.romeo)
        try await rig.receive("<message id='inA' type='groupchat' to='a@conference.localhost'><body>held</body></message>", from: Self.romeo)
        try await rig.receive("<message id='inB' type='groupchat' to='b@conference.localhost'><body>now</body></message>", from: Self.juliet)
        let meanwhile = try await rig.drain()
        #expect(meanwhile.map { $0.attribute("id") } == ["inB"], "only room B's reflection; room A waits")

        await store.releaseWrites()
        try await rig.settle()
        let after = try await rig.drain()
        let ids = after.compactMap { $0.attribute("id") }
        #expect(ids.filter { $0 == "rename" }.count == 1, "answered once")
        #expect(ids.firstIndex(of: "rename")! < ids.firstIndex(of: "inA")!, "the change, then what waited behind it")
        #expect(try await store.load(try BareJID("a@conference.localhost"))?.config.name == "Renamed")
    }

    @Test func aFailedWriteIsRefusedOnceAndUndone() async throws {
        let store = MemoryRoomStore()
        let rig = try await Rig(store: store)
        try await Self.twoRooms(rig)
        await store.failNextWrites(1)
        try await rig.receive(Self.rename, from: Self.romeo)
        try await rig.settle()
        let out = try await rig.drain()
        #expect(out.count == 1)
        let error = out.first?.child("error", namespace: NS.component)
        #expect(out.first?.attribute("type") == "error" && error?.attribute("type") == "wait")
        #expect(error?.child("internal-server-error", namespace: NS.stanzas) != nil)
        // Memory kept the old name, as the store did.
        try await rig.receive("<iq id='info' type='get' to='a@conference.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", from: Self.juliet)
        let info = try await rig.drain()
        #expect(info.first.map { Serializer.string($0).contains("Renamed") } == false)
    }

    @Test func aRoomLoadIsAskedOnceAndWhatWaitedFollowsInOrder() async throws {
        let store = MemoryRoomStore()
        _ = try await store.migrate()
        var config = RoomConfig()
        config.persistent = true
        config.name = "Stored"
        try await store.save(RoomRecord(jid: try BareJID("s@conference.localhost"), config: config,
                                        affiliations: [AffiliationRecord(jid: try BareJID("romeo@localhost"), affiliation: .owner)]))
        let rig = try await Rig(store: store)
        for i in 1...3 {
            try await rig.receive("<iq id='i\(i)' type='get' to='s@conference.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", from: Self.juliet)
        }
        try await rig.settle()
        let out = try await rig.drain()
        #expect(out.map { $0.attribute("id") } == ["i1", "i2", "i3"])
        #expect(out.allSatisfy { $0.attribute("type") == "result" })
        #expect(await store.loadsPerformed == 1)
    }
}

extension RouterStorageTests.Host {
    func clear() { written = [] }
}
