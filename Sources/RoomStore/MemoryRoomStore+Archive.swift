import MUC
import XMPPCore

/// The archive of the memory store: per room, messages in the order appended, each with a
/// position that grows across the whole store (as the SQL backends' sequence does).
extension MemoryRoomStore: ArchiveStore {
    public func append(_ messages: [ArchivedMessage]) async throws {
        await waitWhileStalled()
        try checkWritable()
        var seen: [BareJID: Set<String>] = [:]
        for m in messages {
            let known = archives[m.room]?.contains { $0.message.id == m.id } ?? false
            guard !known, seen[m.room, default: []].insert(m.id).inserted else {
                throw RoomStoreError(.invalidRecord, "memory archive: room \(m.room) already has message \(m.id)")
            }
        }
        for m in messages {
            archiveSequence += 1
            archives[m.room, default: []].append((archiveSequence, m))
        }
    }

    public func query(_ query: ArchiveQuery) throws -> ArchivePage? {
        try checkReachable()
        return query.select(from: (archives[query.room] ?? []).map(\.message))
    }

    public func replace(room: BareJID, id: String, stanza: String) throws -> Bool {
        try checkWritable()
        guard let i = archives[room]?.firstIndex(where: { $0.message.id == id }) else { return false }
        archives[room]![i].message.stanza = stanza
        return true
    }

    public func deleteArchive(of room: BareJID) throws {
        try checkWritable()
        archives[room] = nil
    }

    public func expire(before time: Double, limit: Int) throws -> Int {
        try checkWritable()
        // The oldest first, across rooms, as the SQL backends' time index gives them.
        var old: [(time: Double, position: Int, room: BareJID)] = []
        for (room, entries) in archives {
            for e in entries where e.message.time < time { old.append((e.message.time, e.position, room)) }
        }
        old.sort { ($0.time, $0.position) < ($1.time, $1.position) }
        let going = old.prefix(max(0, limit))
        let positions = Set(going.map(\.position))
        for room in Set(going.map(\.room)) {
            archives[room]?.removeAll { positions.contains($0.position) }
            if archives[room]?.isEmpty == true { archives[room] = nil }
        }
        return going.count
    }

    public func trim(room: BareJID, keeping: Int, limit: Int) throws -> Int {
        try checkWritable()
        guard let entries = archives[room] else { return 0 }
        let going = min(max(0, entries.count - max(0, keeping)), max(0, limit))
        archives[room]!.removeFirst(going)
        if archives[room]!.isEmpty { archives[room] = nil }
        return going
    }

    public func archivedRooms(after: BareJID?, limit: Int) throws -> [BareJID] {
        try checkReachable()
        return Array(archives.keys.filter { after == nil || after! < $0 }.sorted().prefix(max(0, limit)))
    }

    public func archiveSize(of room: BareJID?) throws -> ArchiveSize {
        try checkReachable()
        var size = ArchiveSize()
        let rooms = room.map { [$0] } ?? Array(archives.keys)
        for r in rooms {
            for e in archives[r] ?? [] {
                size.messages += 1
                size.stanzaBytes += e.message.stanza.utf8.count
                size.oldest = min(size.oldest ?? e.message.time, e.message.time)
                size.newest = max(size.newest ?? e.message.time, e.message.time)
            }
        }
        return size
    }
}
