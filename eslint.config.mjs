// ESLint flat config: typescript-eslint's type-checked recommended rules (as the Azure SDK for JS uses them),
// Prettier owning layout (eslint-config-prettier switches off every rule that would fight it).
// Run: npm run lint:eslint   (type-aware: every file is checked against tsconfig.test.json, which covers the whole tree)
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

/**
 * "No eslint-disable without a reason": a directive must say why after ` -- `, e.g.
 * `// eslint-disable-next-line no-console -- the CLI's output is the console`. Local, so that no plugin is needed.
 */
const directives = {
  rules: {
    "require-reason": {
      meta: {
        type: "suggestion",
        messages: { missing: "Say why after ` -- ` in this eslint-disable comment." },
        schema: [],
      },
      create(context) {
        return {
          Program() {
            for (const comment of context.sourceCode.getAllComments()) {
              const text = comment.value.trim();
              if (/^eslint-disable(-next-line|-line)?\b/.test(text) && !/\s--\s+\S/.test(text)) {
                context.report({ loc: comment.loc, messageId: "missing" });
              }
            }
          },
        };
      },
    },
  },
};

export default tseslint.config(
  { ignores: ["dist/", "coverage/", "node_modules/", ".azurite/", "test/fixtures/", "bench/results/"] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: "./tsconfig.test.json", tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    plugins: { directives },
    rules: {
      "directives/require-reason": "error",
      // tsc already reports unused locals and parameters (noUnusedLocals/noUnusedParameters in tsconfig.json);
      // this keeps ESLint's copy for what tsc does not check (unused caught errors), with the usual `_` escape.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      // Type-only imports stay visibly type-only (they vanish from the compiled app: cold start).
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      // A promise in a void position (an event handler, a timer) is handled there on purpose often enough;
      // floating promises elsewhere stay errors (no-floating-promises).
      "@typescript-eslint/no-misused-promises": [
        "error",
        { checksVoidReturn: { arguments: false, attributes: false } },
      ],
      // Passing on a failure as it came (a caught error, an abort signal's reason: both `unknown`) is how a promise
      // forwards it, like `throw error` in a catch block (which only-throw-error allows); new rejections must be Errors.
      "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingUnknown: true }],
      // Numbers and booleans read naturally in messages; objects (which print as [object Object]) stay errors.
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    // Plain JavaScript configs (this file): no type information.
    files: ["**/*.mjs", "**/*.js", "**/*.cjs"],
    extends: [tseslint.configs.disableTypeChecked],
  },
  prettier,
);
