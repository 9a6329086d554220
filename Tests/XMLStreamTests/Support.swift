import XMLStream
import XMPPCore

/// Feeds `bytes` in chunks of `chunk` bytes and collects every event.
func parseAll(_ bytes: [UInt8], chunk: Int = .max, limits: XMLStreamLimits = .init()) throws(XMLStreamError) -> [XMLStreamEvent] {
    let parser = XMLStreamParser(limits: limits)
    return try feedAll(parser, bytes, chunk: chunk)
}

func feedAll(_ parser: XMLStreamParser, _ bytes: [UInt8], chunk: Int = .max) throws(XMLStreamError) -> [XMLStreamEvent] {
    var events: [XMLStreamEvent] = []
    var i = 0
    while i < bytes.count {
        let end = bytes.count - i > chunk ? i + chunk : bytes.count
        events += try parser.feed(Array(bytes[i..<end]))
        i = end
    }
    return events
}

/// The error thrown by parsing `bytes` (fed whole, then one byte at a time: both must agree).
func refusal(_ text: String, limits: XMLStreamLimits = .init()) -> XMLStreamError? {
    refusal(Array(text.utf8), limits: limits)
}

func refusal(_ bytes: [UInt8], limits: XMLStreamLimits = .init()) -> XMLStreamError? {
    var whole: XMLStreamError? = nil
    do { _ = try parseAll(bytes, limits: limits) } catch { whole = error }
    var single: XMLStreamError? = nil
    do { _ = try parseAll(bytes, chunk: 1, limits: limits) } catch { single = error }
    return whole == single ? whole : XMLStreamError(.malformed("whole: \(String(describing: whole)) single: \(String(describing: single))"))
}

let streamOpen = "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='muc.example.org'>"
let streamClose = "</stream:stream>"

/// The stanzas among `events`.
func stanzas(_ events: [XMLStreamEvent]) -> [Element] {
    events.compactMap { if case .stanza(let e) = $0 { return e } else { return nil } }
}
