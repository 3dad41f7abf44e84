import Testing
@testable import TernTables

@Suite struct DynamoErrorTests {
    // Rule 59 (the Swift side): every client error carries DynamoDB's error name.
    @Test(arguments: [
        (DynamoError.Code.validation, "ValidationException"), (.conditionalCheckFailed, "ConditionalCheckFailedException"),
        (.resourceNotFound, "ResourceNotFoundException"), (.resourceInUse, "ResourceInUseException"),
        (.transactionCanceled, "TransactionCanceledException"),
    ])
    func rule59_errorsCarryDynamoDBNames(code: DynamoError.Code, name: String) {
        let error = DynamoError(code, "message")
        #expect(error.name == name)
        #expect(error.description == "\(name): message")
    }

    // Rule 30 / 57 (the Swift side): the old item and the cancellation reasons travel with the error.
    @Test func conditionFailuresAndCancellationsCarryTheirDetails() {
        let old: Item = ["pk": S("a"), "v": N("1")]
        let failed = DynamoError.conditionalCheckFailed(item: old)
        #expect(failed.code == .conditionalCheckFailed)
        #expect(failed.item == old)
        let cancelled = DynamoError.transactionCanceled([.none, DynamoError.CancellationReason(code: "ConditionalCheckFailed", item: old)])
        #expect(cancelled.code == .transactionCanceled)
        #expect(cancelled.cancellationReasons.map(\.code) == ["None", "ConditionalCheckFailed"])
        #expect(cancelled.cancellationReasons[1].item == old)
        #expect(cancelled.message.hasSuffix("[None, ConditionalCheckFailed]"))
    }

    @Test func expressionErrorsCarryTheirOffset() {
        let error = dynamoError { _ = try evaluateCondition("a = = :v", on: [:], values: [":v": N("1")]) }
        #expect(error?.offset == 4)
        let undefined = dynamoError { _ = try evaluateCondition("a = :v AND b = :nope", on: [:], values: [":v": N("1")]) }
        #expect(undefined?.offset == 15)
    }
}
