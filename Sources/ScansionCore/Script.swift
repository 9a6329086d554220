/// A parsed scansion script: the clients it declares and the steps it plays.
public struct Script: Sendable, Equatable {
    /// The first comment line of the file (`# Title`), without the `#`.
    public var title: String?
    /// Where the script was read from, for reports.
    public var path: String?
    /// Clients in declaration order.
    public var clients: [ClientDeclaration]
    /// Steps in script order.
    public var steps: [Step]

    public init(title: String?, path: String? = nil, clients: [ClientDeclaration], steps: [Step]) {
        self.title = title
        self.path = path
        self.clients = clients
        self.steps = steps
    }

    /// The declaration of the client called `name`.
    public func client(named name: String) -> ClientDeclaration? {
        clients.first { $0.name == name }
    }
}

/// `[Client] Name` with its `jid:` and `password:` lines.
public struct ClientDeclaration: Sendable, Equatable {
    public var name: String
    /// As written; may carry a resource, which is then the one bound at log-in.
    public var jid: String
    public var password: String
    /// Line of the `[Client]` header (1-based).
    public var line: Int

    public init(name: String, jid: String, password: String, line: Int) {
        self.name = name
        self.jid = jid
        self.password = password
        self.line = line
    }
}

/// One action line and its block.
public struct Step: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case connect
        case disconnect
        /// The raw indented XML of the block (one or more stanzas), before `${…}` substitution.
        case send(xml: String)
        /// The raw indented XML of the expected stanza(s), before substitution.
        case receive(xml: String)
        /// `receives: nothing`
        case receiveNothing

        /// Whether this is a `receives` step (with stanzas or `nothing`).
        public var isReceive: Bool {
            switch self {
            case .receive, .receiveNothing: return true
            case .connect, .disconnect, .send: return false
            }
        }
    }

    /// Line of the action (1-based).
    public var line: Int
    /// The client's name as declared.
    public var client: String
    public var action: Action

    public init(line: Int, client: String, action: Action) {
        self.line = line
        self.client = client
        self.action = action
    }

    /// The action line as written in the script, for reports.
    public var summary: String {
        switch action {
        case .connect: return "\(client) connects"
        case .disconnect: return "\(client) disconnects"
        case .send: return "\(client) sends:"
        case .receive: return "\(client) receives:"
        case .receiveNothing: return "\(client) receives: nothing"
        }
    }
}
