import ComponentHandshake
import Logging
import NIOCore
import NIOEmbedded
import Testing
@testable import Component
import XMLStream
import XMPPCore

/// The link's back-pressure (ComponentLink's type comment): while the channel is unwritable, or
/// the service takes no input, stanzas already read wait in order and no further read is asked
/// of the socket; both resume when the obstacle goes. Driven on an EmbeddedChannel, whose
/// writability the test sets. Also the link's other flow decision on such a channel: a close
/// asked for before the connection is up.
@Suite struct BackPressureTests {
    /// Records what the link asks of the layers below it and what it hands the service.
    final class Probe: ChannelOutboundHandler, ComponentLinkDelegate {
        typealias OutboundIn = ByteBuffer
        var reads = 0
        var received: [String] = []
        var accepting = true
        var ready = false

        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }

        func linkReady(_ link: ComponentLink) { ready = true }
        func link(_ link: ComponentLink, received stanza: Element) { received.append(stanza.attribute("id") ?? "?") }
        func link(_ link: ComponentLink, streamError condition: StreamErrorCondition) {}
        func linkClosed(_ link: ComponentLink) {}
        var acceptsInput: Bool { accepting }
    }

    /// A ready link on an embedded channel: the server's header and handshake answer are fed in.
    func readyLink() throws -> (EmbeddedChannel, ComponentLink, Probe) {
        let probe = Probe()
        let link = ComponentLink(domain: "conference.localhost", secret: "s", serverDescription: "test",
                                 limits: XMLStreamLimits(), logger: Logger(label: "test"), delegate: probe)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(probe)
        try channel.pipeline.syncOperations.addHandler(link)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5347)).wait()
        try channel.writeInbound(channel.allocator.buffer(string:
            "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='abc' from='conference.localhost'>"))
        try channel.writeInbound(channel.allocator.buffer(string: "<handshake/>"))
        #expect(probe.ready)
        return (channel, link, probe)
    }

    func messages(_ ids: ClosedRange<Int>) -> String {
        ids.map { "<message from='u@localhost/r' to='room@conference.localhost' type='groupchat' id='m\($0)'><body>x</body></message>" }.joined()
    }

    @Test func unwritableChannelHoldsStanzasAndReadsUntilItDrains() throws {
        let (channel, _, probe) = try readyLink()
        try channel.writeInbound(channel.allocator.buffer(string: messages(1...2)))
        #expect(probe.received == ["m1", "m2"])

        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        try channel.writeInbound(channel.allocator.buffer(string: messages(3...5)))
        #expect(probe.received == ["m1", "m2"], "nothing is handed over while the output is backed up")
        let readsBefore = probe.reads
        channel.read()
        #expect(probe.reads == readsBefore, "no read reaches the socket while paused")

        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(probe.received == ["m1", "m2", "m3", "m4", "m5"], "held stanzas follow in order")
        #expect(probe.reads == readsBefore + 1, "the read asked for while paused goes out")
        channel.read()
        #expect(probe.reads == readsBefore + 2)
        _ = try? channel.finish()
    }

    @Test func serviceThatTakesNoInputPausesTheLinkUntilItResumes() throws {
        let (channel, link, probe) = try readyLink()
        probe.accepting = false
        try channel.writeInbound(channel.allocator.buffer(string: messages(1...3)))
        #expect(probe.received.isEmpty)
        let readsBefore = probe.reads
        channel.read()
        #expect(probe.reads == readsBefore)

        probe.accepting = true
        link.resumeInput()
        #expect(probe.received == ["m1", "m2", "m3"])
        #expect(probe.reads == readsBefore + 1)
        _ = try? channel.finish()
    }

    @Test func aStanzaSplitAcrossReadsWhilePausedArrivesWhole() throws {
        let (channel, link, probe) = try readyLink()
        probe.accepting = false
        let text = messages(1...2)
        let cut = text.index(text.startIndex, offsetBy: text.count / 2 + 7)
        try channel.writeInbound(channel.allocator.buffer(string: String(text[..<cut])))
        try channel.writeInbound(channel.allocator.buffer(string: String(text[cut...])))
        #expect(probe.received.isEmpty)
        probe.accepting = true
        link.resumeInput()
        #expect(probe.received == ["m1", "m2"])
        _ = try? channel.finish()
    }

    /// A graceful close asked for before the link was on a channel (the service stopped while
    /// connecting) closes the connection as soon as it is up, without opening a stream.
    @Test func closeRequestedBeforeTheConnectionIsUpClosesItAtOnce() throws {
        let probe = Probe()
        let link = ComponentLink(domain: "conference.localhost", secret: "s", serverDescription: "test",
                                 limits: XMLStreamLimits(), logger: Logger(label: "test"), delegate: probe)
        link.closeGracefully(timeout: .seconds(60))
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(link)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5347)).wait()
        #expect(!channel.isActive)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
    }
}
