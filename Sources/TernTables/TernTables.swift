// The table layer: DynamoDB items, expressions and tables on TernEngine.
