// graphql-codegen's client preset over the operations in operations/, against the committed schema.
// Writes typed documents (src/gql/graphql.ts) and the persisted-documents manifest
// (src/gql/persisted-documents.json: SHA-256 -> document), which the server takes as TRUSTED_DOCUMENTS.
// CODEGEN_OUT writes elsewhere (the check that the committed output is current compares against it).
import { createHash } from "node:crypto";

import type { CodegenConfig } from "@graphql-codegen/cli";

const out = process.env.CODEGEN_OUT ?? "src/gql/";

const config: CodegenConfig = {
  schema: "../schema.graphql",
  documents: ["operations/**/*.graphql"],
  ignoreNoDocuments: false,
  generates: {
    [out]: {
      preset: "client",
      presetConfig: {
        fragmentMasking: false,
        // Plain hex SHA-256, the hash Apollo's persisted-query protocol sends (extensions.persistedQuery
        // .sha256Hash); the preset's "sha256" would prefix it with "sha256:".
        persistedDocuments: {
          hashAlgorithm: (document: string) => createHash("sha256").update(document).digest("hex"),
        },
      },
      config: {
        // Every custom scalar needs a mapping (an unmapped one is an error, not `unknown`).
        strictScalars: true,
        // DateTime is RFC 3339 text (@specifiedBy in the schema): a string, parsed with new Date(...).
        scalars: { DateTime: "string" },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
