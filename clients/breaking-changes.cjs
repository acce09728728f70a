// graphql-inspector's --onComplete handler for scripts/schema_breaking.py: writes the breaking
// changes (schema coordinate, kind, message) as JSON to $SCHEMA_BREAKING_REPORT; the script decides.
const { writeFileSync } = require("node:fs");

module.exports = ({ breakingChanges }) => {
  const report = breakingChanges.map((change) => ({
    path: change.path ?? null,
    type: change.type,
    message: change.message,
  }));
  writeFileSync(process.env.SCHEMA_BREAKING_REPORT, JSON.stringify(report, null, 2));
};
