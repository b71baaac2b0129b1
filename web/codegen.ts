// TypeScript types for the page's GraphQL operations (src/**/*.graphql), from the one contract, schema.graphql.
// RUNBASE_CODEGEN_OUT lets the drift check generate into a scratch file and compare.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../schema.graphql",
  documents: ["src/**/*.graphql"],
  generates: {
    [process.env.RUNBASE_CODEGEN_OUT ?? "src/generated/graphql.ts"]: {
      plugins: ["typescript-operations"],
      config: {
        scalars: { JSONString: "string", DateTime: "string", Int64: "number", JSON: "unknown" },
        onlyOperationTypes: true,
        avoidOptionals: true,
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
  hooks: {},
};

export default config;
