/**
 * An offline check of Bicep resources against the Bicep compiler's own type data (Azure/bicep-types-az, the
 * `types.json` files the compiler validates against), walked over the tree-sitter parse tree of a template.
 *
 * It checks what the compiler would: the resource type and API version exist (and can be deployed), every property
 * name is one the type declares (exact case), read-only properties are not set, closed enums get one of their values,
 * object literals carry their required properties; plus a short list of open enums whose other values only fail at
 * deployment. It follows `var` identifiers into their object and array literals, both sides of `?:`, and the
 * arguments of `union()` / `concat()` (where a required property may come from another part, so that check is skipped).
 * Values that are expressions (parameters, references, function results) are not judged. Module call sites are
 * checked against the module's own `param`s.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type Parser from "tree-sitter";
import { parseBicep, plainString } from "./bicepTree";

type Node = Parser.SyntaxNode;
interface Ref {
  readonly $ref: string;
}
interface PropertyInfo {
  readonly type: Ref;
  readonly flags: number;
}
type TypeEntry =
  | {
      readonly $type: "ObjectType";
      readonly name: string;
      readonly properties?: Record<string, PropertyInfo>;
      readonly additionalProperties?: Ref;
    }
  | {
      readonly $type: "DiscriminatedObjectType";
      readonly name: string;
      readonly discriminator: string;
      readonly baseProperties?: Record<string, PropertyInfo>;
      readonly elements: Record<string, Ref>;
    }
  | { readonly $type: "UnionType"; readonly elements: readonly Ref[] }
  | { readonly $type: "StringLiteralType"; readonly value: string }
  | { readonly $type: "ArrayType"; readonly itemType: Ref }
  | { readonly $type: "ResourceType"; readonly name: string; readonly body: Ref; readonly writableScopes?: number }
  | { readonly $type: "StringType" | "IntegerType" | "BooleanType" | "AnyType" | "ResourceFunctionType" };

const REQUIRED = 1;
const READ_ONLY = 2;

/** A type inside one types.json file. */
interface TypeAt {
  readonly file: readonly TypeEntry[];
  readonly entry: TypeEntry;
}

/** Open enums (a union that also admits any string) whose other values the platform refuses at deployment time. */
const STRICT_OPEN_ENUMS: ReadonlySet<string> = new Set([
  "FunctionsDeploymentStorage.type",
  "FunctionsDeploymentStorageAuthentication.type",
  "FunctionsRuntime.name",
  "ManagementLockProperties.level",
  "IdentityInfo.type",
]);

/**
 * The copy of the type data this reads was made with its descriptions dropped, and that also dropped every property
 * *named* `description` (RoleAssignmentProperties, ScheduledQueryRuleProperties, MetricAlertProperties, …): such a
 * property is taken as declared, a plain string.
 */
const DROPPED_WITH_DESCRIPTIONS = "description";

/** Bicep's own keywords in a resource body (not part of the resource's type). */
const BICEP_RESOURCE_KEYWORDS = new Set(["parent", "scope", "dependsOn"]);

export class BicepTypeLibrary {
  private readonly resources = new Map<
    string,
    { file: readonly TypeEntry[]; resource: Extract<TypeEntry, { $type: "ResourceType" }> }
  >();

  private constructor() {}

  /** Loads every types.json file of the folder (as laid out by its index.json); undefined when the folder is absent. */
  static load(folder: string): BicepTypeLibrary | undefined {
    if (!existsSync(join(folder, "index.json"))) return undefined;
    const library = new BicepTypeLibrary();
    for (const name of readdirSync(folder)) {
      if (!name.endsWith(".json") || name === "index.json") continue;
      const file = JSON.parse(readFileSync(join(folder, name), "utf8")) as TypeEntry[];
      for (const entry of file) {
        if (entry.$type === "ResourceType") library.resources.set(entry.name.toLowerCase(), { file, resource: entry });
      }
    }
    return library;
  }

  resource(
    typeAndVersion: string,
  ): { file: readonly TypeEntry[]; resource: Extract<TypeEntry, { $type: "ResourceType" }> } | undefined {
    return this.resources.get(typeAndVersion.toLowerCase());
  }

  /** The API versions held for a resource type (to say what exists when a version does not). */
  versionsOf(type: string): string[] {
    const prefix = `${type.toLowerCase()}@`;
    return [...this.resources.keys()].filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
  }
}

/** What one check of a template found: problems (`file:line: message`) and how much was looked at. */
export interface TypeCheckReport {
  readonly problems: string[];
  readonly resources: number;
  readonly properties: number;
  readonly modules: number;
}

interface WalkState {
  readonly file: string;
  readonly variables: ReadonlyMap<string, Node>;
  readonly problems: string[];
  properties: number;
  /** Variables being followed (a guard against cycles). */
  readonly following: Set<string>;
}

/**
 * Checks every resource and module declaration of a template's source. `file` (relative to `root`) names it in
 * problems and locates the modules it calls.
 */
export function checkTemplateTypes(
  file: string,
  source: string,
  types: BicepTypeLibrary,
  root: string,
): TypeCheckReport {
  const tree = parseBicep(source);
  const state: WalkState = {
    file,
    variables: declarations(tree.rootNode, "variable_declaration"),
    problems: [],
    properties: 0,
    following: new Set(),
  };
  let resources = 0;
  let modules = 0;
  for (const declaration of tree.rootNode.descendantsOfType("resource_declaration")) {
    resources++;
    checkResource(declaration, types, state);
  }
  for (const declaration of tree.rootNode.descendantsOfType("module_declaration")) {
    modules++;
    checkModuleCall(declaration, root, state);
  }
  return { problems: state.problems, resources, properties: state.properties, modules };
}

function declarations(root: Node, type: string): Map<string, Node> {
  const found = new Map<string, Node>();
  for (const declaration of root.namedChildren.filter((child) => child.type === type)) {
    const name = declaration.namedChildren[0];
    const value = declaration.namedChildren[declaration.namedChildren.length - 1];
    if (name?.type === "identifier" && value && value !== name) found.set(name.text, value);
  }
  return found;
}

function report(state: WalkState, node: Node, message: string): void {
  state.problems.push(`${state.file}:${node.startPosition.row + 1}: ${message}`);
}

function checkResource(declaration: Node, types: BicepTypeLibrary, state: WalkState): void {
  const [symbol, typeNode] = declaration.namedChildren;
  const typeString = typeNode ? plainString(typeNode) : undefined;
  if (!symbol || !typeString) {
    report(state, declaration, "resource type is not a plain string");
    return;
  }
  if (!typeString.includes("@")) {
    report(state, typeNode ?? declaration, `resource ${symbol.text}: type '${typeString}' has no API version`);
    return;
  }
  const found = types.resource(typeString);
  if (!found) {
    const [type] = typeString.split("@");
    const known = types.versionsOf(type ?? "");
    report(
      state,
      typeNode ?? declaration,
      `resource ${symbol.text}: no type data for ${typeString}` +
        (known.length > 0 ? ` (known versions: ${known.join(", ")})` : " (unknown resource type)"),
    );
    return;
  }
  const existing = declaration.children.some((child) => child.type === "existing");
  if (!existing && found.resource.writableScopes === 0)
    report(
      state,
      typeNode ?? declaration,
      `resource ${symbol.text}: ${typeString} cannot be deployed (read-only type)`,
    );
  const body = resourceBody(declaration);
  if (!body) {
    report(state, declaration, `resource ${symbol.text}: body not found`);
    return;
  }
  const bodyType = resolve(found.file, found.resource.body);
  if (existing) {
    // An existing resource is only named: check that nothing else is set.
    for (const property of objectProperties(body)) {
      const key = propertyKey(property);
      if (key && !["name", "parent", "scope"].includes(key))
        report(state, property, `existing resource ${symbol.text} sets '${key}'`);
    }
    return;
  }
  checkValue(body, bodyType, state, { path: symbol.text, complete: true, resourceBody: true });
}

/** The object of `= {…}`, `= if (…) {…}` or `= [for … : {…}]`. */
function resourceBody(declaration: Node): Node | undefined {
  const value = declaration.namedChildren[declaration.namedChildren.length - 1];
  if (!value) return undefined;
  if (value.type === "object") return value;
  if (value.type === "if_statement") return value.namedChildren.find((child) => child.type === "object");
  if (value.type === "for_statement") {
    const body = value.childForFieldName("body") ?? value.namedChildren[value.namedChildren.length - 1];
    if (body?.type === "object") return body;
    if (body?.type === "if_statement") return body.namedChildren.find((child) => child.type === "object");
  }
  return undefined;
}

function resolve(file: readonly TypeEntry[], ref: Ref): TypeAt {
  const match = /^#\/(\d+)$/.exec(ref.$ref);
  const entry = match ? file[Number(match[1])] : undefined;
  if (!entry) throw new Error(`unresolvable type reference ${ref.$ref}`);
  return { file, entry };
}

function objectProperties(object: Node): Node[] {
  return object.namedChildren.filter((child) => child.type === "object_property");
}

/** The key of an object property: an identifier or a plain string; undefined for an interpolated key. */
function propertyKey(property: Node): string | undefined {
  const key = property.namedChildren[0];
  if (!key) return undefined;
  if (key.type === "identifier") return key.text;
  return plainString(key);
}

interface Walk {
  /** Where we are, for the message (`resource.properties.siteConfig`). */
  readonly path: string;
  /** True when the object literal is the whole value (so required properties must be in it). */
  readonly complete: boolean;
  readonly resourceBody?: boolean;
  /** `ObjectName.property` of the property whose value this is (for the strict open enums). */
  readonly owner?: string;
}

function checkValue(value: Node, type: TypeAt, state: WalkState, walk: Walk): void {
  const entry = type.entry;
  switch (value.type) {
    case "parenthesized_expression": {
      const inner = value.namedChildren[0];
      if (inner) checkValue(inner, type, state, walk);
      return;
    }
    case "ternary_expression": {
      for (const field of ["consequence", "alternative"]) {
        const branch = value.childForFieldName(field);
        if (branch) checkValue(branch, type, state, walk);
      }
      return;
    }
    case "identifier": {
      const declared = state.variables.get(value.text);
      if (declared && !state.following.has(value.text)) {
        state.following.add(value.text);
        checkValue(declared, type, state, walk);
        state.following.delete(value.text);
      }
      return;
    }
    case "call_expression": {
      const name = value.childForFieldName("function")?.text;
      if (name === "union" || name === "concat") {
        const args = value.childForFieldName("arguments")?.namedChildren ?? [];
        for (const argument of args) checkValue(argument, type, state, { ...walk, complete: false });
      }
      return;
    }
    case "for_statement": {
      // `[for x in xs: item]` is an array.
      if (entry.$type === "ArrayType") {
        const body = value.childForFieldName("body") ?? value.namedChildren[value.namedChildren.length - 1];
        if (body) checkValue(body, resolve(type.file, entry.itemType), state, { ...walk, path: `${walk.path}[]` });
      }
      return;
    }
    case "object":
      checkObject(value, type, state, walk);
      return;
    case "array":
      checkArray(value, type, state, walk);
      return;
    case "string":
      checkString(value, type, state, walk);
      return;
    case "number":
    case "boolean":
      checkScalar(value, type, state, walk);
      return;
    default:
      return; // member access, function results, null: not judged
  }
}

function checkObject(object: Node, type: TypeAt, state: WalkState, walk: Walk): void {
  const entry = type.entry;
  if (entry.$type === "AnyType") return;
  if (entry.$type === "UnionType") {
    const candidates = entry.elements
      .map((ref) => resolve(type.file, ref))
      .filter((candidate) => isObjectLike(candidate.entry));
    if (candidates.length === 0) {
      report(state, object, `${walk.path}: an object where the type does not take one`);
      return;
    }
    // The object must fit one member: keep the member with the fewest problems.
    let best: string[] | undefined;
    for (const candidate of candidates) {
      const trial: WalkState = { ...state, problems: [] };
      checkObject(object, candidate, trial, walk);
      state.properties = Math.max(state.properties, trial.properties);
      if (!best || trial.problems.length < best.length) best = trial.problems;
    }
    state.problems.push(...(best ?? []));
    return;
  }
  const shape = objectShape(object, type, state, walk);
  if (!shape) {
    report(state, object, `${walk.path}: an object where the type is ${describe(entry)}`);
    return;
  }
  const present = new Set<string>();
  for (const property of objectProperties(object)) {
    const key = propertyKey(property);
    if (key === undefined) continue; // interpolated key: an open map
    present.add(key);
    if (walk.resourceBody && BICEP_RESOURCE_KEYWORDS.has(key)) continue;
    state.properties++;
    const path = `${walk.path}.${key}`;
    const declared = shape.properties[key];
    const caseInsensitive = declared
      ? undefined
      : Object.keys(shape.properties).find((name) => name.toLowerCase() === key.toLowerCase());
    if (!declared && caseInsensitive) {
      report(state, property, `${path}: property name differs in case from '${caseInsensitive}' (${shape.name})`);
      continue;
    }
    const valueNode = property.namedChildren[property.namedChildren.length - 1];
    if (!declared) {
      if (key === DROPPED_WITH_DESCRIPTIONS) continue;
      if (shape.additionalProperties) {
        if (valueNode && valueNode !== property.namedChildren[0])
          checkValue(valueNode, resolve(type.file, shape.additionalProperties), state, { path, complete: true });
        continue;
      }
      report(
        state,
        property,
        `${path}: unknown property '${key}' (${shape.name} has ${Object.keys(shape.properties).sort().join(", ")})`,
      );
      continue;
    }
    if ((declared.flags & READ_ONLY) !== 0) {
      report(state, property, `${path}: '${key}' is read-only`);
      continue;
    }
    if (valueNode && valueNode !== property.namedChildren[0]) {
      checkValue(valueNode, resolve(type.file, declared.type), state, {
        path,
        complete: true,
        owner: `${shape.name}.${key}`,
      });
    }
  }
  if (walk.complete && shape.exact) {
    for (const [name, property] of Object.entries(shape.properties)) {
      if ((property.flags & REQUIRED) !== 0 && (property.flags & READ_ONLY) === 0 && !present.has(name)) {
        report(state, object, `${walk.path}: required property '${name}' is missing (${shape.name})`);
      }
    }
  }
}

function isObjectLike(entry: TypeEntry): boolean {
  return entry.$type === "ObjectType" || entry.$type === "DiscriminatedObjectType" || entry.$type === "AnyType";
}

interface ObjectShape {
  readonly name: string;
  readonly properties: Record<string, PropertyInfo>;
  readonly additionalProperties?: Ref;
  /** False when the shape is a guess (a discriminated type whose discriminator is not a literal): no required check. */
  readonly exact: boolean;
}

/** The properties an object literal may carry: an ObjectType's, or a discriminated type's base plus the chosen element's. */
function objectShape(object: Node, type: TypeAt, state: WalkState, walk: Walk): ObjectShape | undefined {
  const entry = type.entry;
  if (entry.$type === "ObjectType") {
    return {
      name: entry.name,
      properties: entry.properties ?? {},
      exact: true,
      ...(entry.additionalProperties ? { additionalProperties: entry.additionalProperties } : {}),
    };
  }
  if (entry.$type !== "DiscriminatedObjectType") return undefined;
  const base = entry.baseProperties ?? {};
  const elements = Object.entries(entry.elements);
  const discriminator = objectProperties(object).find((property) => propertyKey(property) === entry.discriminator)
    ?.namedChildren[1];
  const chosen = discriminator ? plainString(discriminator) : undefined;
  const propertiesOf = (ref: Ref): Record<string, PropertyInfo> => {
    const element = resolve(type.file, ref).entry;
    return element.$type === "ObjectType" ? (element.properties ?? {}) : {};
  };
  if (chosen === undefined) {
    // Not a literal (or supplied by another part of a union()): any element's properties may appear.
    return {
      name: entry.name,
      properties: Object.assign({}, base, ...elements.map(([, ref]) => propertiesOf(ref))) as Record<
        string,
        PropertyInfo
      >,
      exact: false,
    };
  }
  const element = elements.find(([value]) => value === chosen);
  if (!element) {
    report(
      state,
      discriminator ?? object,
      `${walk.path}: ${entry.discriminator} '${chosen}' is not one of ${elements.map(([value]) => `'${value}'`).join(", ")}`,
    );
    return { name: entry.name, properties: base, exact: false };
  }
  return { name: `${entry.name}[${chosen}]`, properties: { ...base, ...propertiesOf(element[1]) }, exact: true };
}

function checkArray(array: Node, type: TypeAt, state: WalkState, walk: Walk): void {
  const entry = type.entry;
  if (entry.$type === "AnyType") return;
  if (entry.$type === "UnionType") {
    const arrayMember = entry.elements
      .map((ref) => resolve(type.file, ref))
      .find((candidate) => candidate.entry.$type === "ArrayType");
    if (arrayMember) checkArray(array, arrayMember, state, walk);
    return;
  }
  if (entry.$type !== "ArrayType") {
    report(state, array, `${walk.path}: an array where the type is ${describe(entry)}`);
    return;
  }
  const itemType = resolve(type.file, entry.itemType);
  for (const item of array.namedChildren) {
    if (item.type === "comment") continue;
    checkValue(item, itemType, state, { path: `${walk.path}[]`, complete: true });
  }
}

/** The string literals of a closed enum (a union of literals only), or of an open enum listed as strict. */
function enumValues(type: TypeAt, owner: string | undefined): string[] | undefined {
  const entry = type.entry;
  if (entry.$type === "StringLiteralType") return [entry.value];
  if (entry.$type !== "UnionType") return undefined;
  const members = entry.elements.map((ref) => resolve(type.file, ref).entry);
  const literals = members.flatMap((member) => (member.$type === "StringLiteralType" ? [member.value] : []));
  if (literals.length === 0) return undefined;
  const open = members.some((member) => member.$type !== "StringLiteralType");
  if (!open) return literals;
  return owner !== undefined && STRICT_OPEN_ENUMS.has(owner) ? literals : undefined;
}

function checkString(node: Node, type: TypeAt, state: WalkState, walk: Walk): void {
  const entry = type.entry;
  const literal = plainString(node);
  if (
    entry.$type === "IntegerType" ||
    entry.$type === "BooleanType" ||
    entry.$type === "ObjectType" ||
    entry.$type === "ArrayType"
  ) {
    report(state, node, `${walk.path}: a string where the type is ${describe(entry)}`);
    return;
  }
  if (literal === undefined) return; // interpolated: not judged
  const allowed = enumValues(type, walk.owner);
  if (allowed && !allowed.includes(literal)) {
    const differsInCase = allowed.find((value) => value.toLowerCase() === literal.toLowerCase());
    report(
      state,
      node,
      differsInCase
        ? `${walk.path}: '${literal}' differs in case from '${differsInCase}'`
        : `${walk.path}: '${literal}' is not one of ${allowed.map((value) => `'${value}'`).join(", ")}`,
    );
  }
}

function checkScalar(node: Node, type: TypeAt, state: WalkState, walk: Walk): void {
  const entry = type.entry;
  const expected = node.type === "number" ? "IntegerType" : "BooleanType";
  if (entry.$type === "AnyType" || entry.$type === expected) return;
  if (entry.$type === "UnionType") {
    const members = entry.elements.map((ref) => resolve(type.file, ref).entry);
    if (members.some((member) => member.$type === expected || member.$type === "AnyType")) return;
  }
  report(
    state,
    node,
    `${walk.path}: ${node.type === "number" ? "a number" : "a boolean"} where the type is ${describe(entry)}`,
  );
}

function describe(entry: TypeEntry): string {
  switch (entry.$type) {
    case "ObjectType":
    case "DiscriminatedObjectType":
      return `object ${entry.name}`;
    case "StringLiteralType":
      return `'${entry.value}'`;
    case "UnionType":
      return "a union";
    case "ArrayType":
      return "an array";
    case "ResourceType":
      return entry.name;
    default:
      return entry.$type.replace(/Type$/, "").toLowerCase();
  }
}

/** A module call passes only parameters the module declares, and every parameter without a default. */
function checkModuleCall(declaration: Node, root: string, state: WalkState): void {
  const pathNode = declaration.namedChildren[1];
  const modulePath = pathNode ? plainString(pathNode) : undefined;
  if (!modulePath || modulePath.includes(":")) return; // registry modules: not here
  const location = join(root, dirname(state.file), modulePath);
  if (!existsSync(location)) {
    report(state, declaration, `module ${modulePath} not found`);
    return;
  }
  const moduleRoot = parseBicep(readFileSync(location, "utf8")).rootNode;
  const parameters = new Map<string, boolean>();
  for (const parameter of moduleRoot.namedChildren.filter((child) => child.type === "parameter_declaration")) {
    const name = parameter.namedChildren[0]?.text;
    const typeNode = parameter.namedChildren[1];
    const hasDefault = parameter.namedChildren.length > 2 || typeNode?.namedChildren[0]?.type === "nullable_type";
    if (name) parameters.set(name, hasDefault);
  }
  const body = resourceBody(declaration);
  const params = body
    ? objectProperties(body).find((property) => propertyKey(property) === "params")?.namedChildren[1]
    : undefined;
  const passed = new Set<string>();
  if (params?.type === "object") {
    for (const property of objectProperties(params)) {
      const key = propertyKey(property);
      if (key === undefined) continue;
      passed.add(key);
      if (!parameters.has(key))
        report(
          state,
          property,
          `module ${modulePath}: no parameter '${key}' (declared: ${[...parameters.keys()].join(", ")})`,
        );
    }
  }
  for (const [name, hasDefault] of parameters) {
    if (!hasDefault && !passed.has(name))
      report(state, declaration, `module ${modulePath}: required parameter '${name}' is not passed`);
  }
}
