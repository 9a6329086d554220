extension Element {
    /// This element with every element of the subtree that is in namespace `from` moved to `to`;
    /// elements in other namespaces (and their subtrees' `from` elements too) are rewritten the same
    /// way. Used to carry stanzas between `jabber:client` and `jabber:component:accept` streams
    /// (the fake server), and to compare the room machine's output with scansion expectations.
    public func movingNamespace(_ from: String, to: String) -> Element {
        var copy = self
        copy.moveNamespace(from, to: to)
        return copy
    }

    public mutating func moveNamespace(_ from: String, to: String) {
        if namespace == from { namespace = to }
        for i in children.indices {
            if case .element(var child) = children[i] {
                children[i] = .text("")  // release the reference so the child is mutated in place
                child.moveNamespace(from, to: to)
                children[i] = .element(child)
            }
        }
    }
}
