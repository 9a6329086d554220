import ComponentHandshake
import NIOCore
import Testing
@testable import Component
import XMLStream
import XMPPCore

@Suite struct BackoffTests {
    let backoff = Backoff(initial: 0.5, maximum: 30)

    @Test func growsExponentiallyUpToTheCap() {
        // With jitter 1 the delay is the full step.
        #expect(backoff.delay(attempt: 0, jitter: 1) == 0.5)
        #expect(backoff.delay(attempt: 1, jitter: 1) == 1)
        #expect(backoff.delay(attempt: 2, jitter: 1) == 2)
        #expect(backoff.delay(attempt: 5, jitter: 1) == 16)
        #expect(backoff.delay(attempt: 6, jitter: 1) == 30)
        #expect(backoff.delay(attempt: 1000, jitter: 1) == 30)
    }

    @Test func jitterStaysWithinHalfAndFullStep() {
        for attempt in 0..<20 {
            let full = backoff.delay(attempt: attempt, jitter: 1)
            let low = backoff.delay(attempt: attempt, jitter: 0)
            #expect(low == full / 2)
            let mid = backoff.delay(attempt: attempt, jitter: 0.5)
            #expect(mid > low && mid < full)
        }
    }

    @Test func neverABusyLoop() {
        let zero = Backoff(initial: 0, maximum: 0)
        #expect(zero.delay(attempt: 0, jitter: 0) > 0)
        #expect(backoff.delay(attempt: -3, jitter: -1) == 0.25)
        #expect(backoff.delay(attempt: 3, jitter: 7) == 4)
    }
}

@Suite struct HandshakeTests {
    @Test func digestIsLowercaseHexSHA1OfIDAndSecret() {
        // Reference values computed with Python's hashlib.sha1.
        #expect(componentHandshakeDigest(streamID: "3BF96D32", secret: "sesame") == "7a98dc4c9e92493d7fd66a25364c862637789c45")
        #expect(componentHandshakeDigest(streamID: "3BF96D32", secret: "secret") == "b09ea9b3b7f586be8a08d0a3dd7466f110aeb136")
    }
}

@Suite struct OutgoingQueueTests {
    @Test func holdsInOrderAndDrains() {
        var q = OutgoingQueue(limit: 3)
        q.append([1]); q.append([2])
        #expect(q.count == 2)
        #expect(q.drain() == [[1], [2]])
        #expect(q.count == 0)
        #expect(q.dropped == 0)
    }

    @Test func dropsTheOldestWhenFull() {
        var q = OutgoingQueue(limit: 2)
        let first = q.append([1])
        let second = q.append([2])
        let third = q.append([3])
        #expect(first && second && !third)
        #expect(q.dropped == 1)
        #expect(q.drain() == [[2], [3]])
    }

    @Test func staysBoundedUnderALongOutage() {
        var q = OutgoingQueue(limit: 10)
        for i in 0..<10_000 { q.append([UInt8(i & 0xFF)]) }
        #expect(q.count == 10)
        #expect(q.dropped == 9_990)
        #expect(q.drain().count == 10)
    }

    @Test func zeroLimitDropsEverything() {
        var q = OutgoingQueue(limit: 0)
        let kept = q.append([1])
        #expect(!kept)
        #expect(q.count == 0 && q.dropped == 1)
    }
}

@Suite struct BroadcastEncoderTests {
    @Test func equalsSerializingEachCopy() {
        var msg = Element.stanza(.message, from: "room@conference.localhost/Romeo", to: "old@localhost", id: "m1", type: "groupchat")
        msg.append(.text("body", namespace: NS.component, "a < b & 'c'"))
        let encoder = BroadcastEncoder(msg)
        for to in ["juliet@localhost/balcony", "obrien@localhost/o'x &y"] {
            var bytes: [UInt8] = []
            encoder.write(to: to, into: &bytes)
            var copy = msg
            copy.setAttribute("to", nil)
            var expected = Element(copy.name, namespace: copy.namespace, attributes: [Attribute(name: "to", value: to)] + copy.attributes, children: copy.children)
            expected.setAttribute("to", to)
            #expect(String(decoding: bytes, as: UTF8.self) == Serializer.string(expected))
            // The hot path, straight into a ByteBuffer from the JID's parts, writes the same bytes.
            var buffer = ByteBufferAllocator().buffer(capacity: 0)
            encoder.write(to: try! JID(to), into: &buffer)
            #expect(buffer.readString(length: buffer.readableBytes) == Serializer.string(expected))
        }
    }

    @Test func escapesResourcesThatNeedIt() throws {
        let encoder = BroadcastEncoder(Element.stanza(.message, from: "r@c.l/n", to: nil, type: "groupchat"))
        var buffer = ByteBufferAllocator().buffer(capacity: 0)
        encoder.write(to: try JID("u@l/a'b<c&"), into: &buffer)
        #expect(buffer.readString(length: buffer.readableBytes) == "<message to='u@l/a&apos;b&lt;c&amp;' from='r@c.l/n' type='groupchat'/>")
    }
}

@Suite struct StreamErrorAdviceTests {
    @Test func wrongSecretSaysSo() {
        let line = StreamErrorAdvice.message(StreamError(.notAuthorized), domain: "conference.example.org", server: "127.0.0.1:5347")
        #expect(line.contains("secret is wrong"))
        #expect(line.contains("conference.example.org"))
    }

    @Test func everyConditionGetsItsOwnAdvice() {
        let conditions: [StreamErrorCondition] = [.conflict, .hostUnknown, .invalidFrom, .improperAddressing, .notWellFormed,
                                                  .policyViolation, .systemShutdown, .seeOtherHost]
        let lines = Set(conditions.map { StreamErrorAdvice.message(StreamError($0), domain: "d", server: "s") })
        #expect(lines.count == conditions.count)
    }

    @Test func anUnknownConditionIsReadAsUndefined() throws {
        let element = try #require(try XMLStreamParser.parseFragment(
            "<stream:error><made-up xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>why</text></stream:error>",
            defaultNamespace: NS.component, prefixes: ["stream": NS.stream]).first)
        #expect(StreamError(element: element) == StreamError(.undefinedCondition, text: "why"))
    }
}

/// The XEP-0114 stream header and stream error, written in one place for the component, the fake
/// server and the bench.
@Suite struct ComponentStreamTests {
    @Test func headersEscapeTheirAttributes() {
        #expect(ComponentStream.header(to: "conference.example.org") ==
                "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='conference.example.org'>")
        #expect(ComponentStream.header(from: "a'b", id: "x1") ==
                "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' from='a&apos;b' id='x1'>")
    }

    @Test func aStreamErrorEndsTheStream() throws {
        let text = ComponentStream.error(.hostUnknown, text: "no <such> domain")
        #expect(text == "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>no &lt;such&gt; domain</text></stream:error></stream:stream>")
        let element = try #require(try XMLStreamParser.parseFragment(String(text.dropLast(ComponentStream.end.count)),
                                                                     defaultNamespace: NS.component, prefixes: ["stream": NS.stream]).first)
        #expect(StreamError(element: element) == StreamError(.hostUnknown, text: "no <such> domain"))
    }
}
