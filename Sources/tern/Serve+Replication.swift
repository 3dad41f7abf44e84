import ArgumentParser
import TernReplication
import TernServer
import TernTables

extension Serve {
    /// `--replication`, `--peer` and `--secret-file`, checked: nil when the node does not replicate.
    func replicationConfiguration() throws -> NodeReplication? {
        guard let replication else {
            if !peers.isEmpty || secretFile != nil {
                throw ValidationError("--peer and --secret-file need --replication HOST:PORT")
            }
            return nil
        }
        let (host, port) = try Self.hostAndPort(replication, option: "--replication")
        guard RegionID.isValid(region) else {
            throw ValidationError("--region '\(region)' cannot replicate: a region name is 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'")
        }
        guard let secretFile else { throw ValidationError("--replication needs --secret-file FILE (the cluster secret)") }
        guard let text = readFile(secretFile) else { throw ValidationError("--secret-file: cannot read \(secretFile)") }
        var secretText = Substring(text)
        while secretText.last == "\n" || secretText.last == "\r" { secretText = secretText.dropLast() }
        let secret: ClusterSecret
        do {
            secret = try ClusterSecret(Array(secretText.utf8))
        } catch {
            throw ValidationError("--secret-file \(secretFile): \(error.message)")
        }
        var endpoints: [PeerEndpoint] = []
        for peer in peers {
            guard let equals = peer.firstIndex(of: "="), let name = try? RegionID(String(peer[..<equals])) else {
                throw ValidationError("--peer must be NAME=HOST:PORT with a valid region name (got '\(peer)')")
            }
            guard name.name != region else { throw ValidationError("--peer \(peer) names this node's own region") }
            guard !endpoints.contains(where: { $0.region == name }) else { throw ValidationError("--peer names region \(name) twice") }
            let (peerHost, peerPort) = try Self.hostAndPort(String(peer[peer.index(after: equals)...]), option: "--peer \(name)")
            endpoints.append(PeerEndpoint(region: name, host: peerHost, port: peerPort))
        }
        guard maxClockSkewMilliseconds > 0 else { throw ValidationError("--max-clock-skew-milliseconds must be positive") }
        let skew = Duration.milliseconds(maxClockSkewMilliseconds)
        return NodeReplication(host: host, port: port, peers: endpoints, secret: secret) { configuration in
            configuration.settings.maxClockSkew = skew
        }
    }

    static func hostAndPort(_ text: String, option: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("\(option) must be HOST:PORT (got '\(text)')")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }
}
