import Testing
@testable import TernTables
