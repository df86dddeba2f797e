/**
 * A WGSL function given by name and source, composed into kernels by `@elk/webgpu`.
 * `code` is a complete WGSL declaration (`fn name(...) -> ... { ... }`) plus any structs it needs.
 */
export interface WgslFunction {
  /** The WGSL function's name as declared in `code`. */
  readonly name: string;
  /** WGSL source: struct declarations it needs, then the function. */
  readonly code: string;
}

/**
 * An associative operator defined once with its CPU implementation and its WGSL twin.
 *
 * `combine(earlier, later)` is the element that applies `earlier` first, then `later`
 * (for affine maps x ↦ a x + b: `later ∘ earlier`). Scans fold elements in scan order, so a reverse
 * scan passes the element nearer the end of the sequence as `earlier`.
 *
 * @typeParam Element - the CPU element type.
 */
export interface ScanOperator<Element> {
  /** A stable identifier, used in cache keys of generated WGSL. */
  readonly name: string;
  /** The CPU combination: `later ∘ earlier`. Must be associative. */
  combine(earlier: Element, later: Element): Element;
  /** The identity element: `combine(identity, x) = combine(x, identity) = x`. */
  identity(): Element;
  /** The WGSL twin: the element type's name, its declarations, and the combine/identity functions. */
  readonly wgsl: {
    /** WGSL type of one element (e.g. a struct name declared in `combine.code`). */
    readonly elementType: string;
    /** `fn <name>(earlier: E, later: E) -> E`. */
    readonly combine: WgslFunction;
    /** `fn <name>() -> E`. */
    readonly identity: WgslFunction;
  };
}
