export namespace CommandIDs {
  /** Shows the Course panel. */
  export const open = 'hotstepper-course:open';
  /** Asks the backend for the courses and the open course's lists again. */
  export const refresh = 'hotstepper-course:refresh';
  /** Opens the gradebook of the selected course (instructor); args: `{ course?: string }`. */
  export const gradebook = 'hotstepper-course:gradebook';
  /**
   * Opens manual grading (instructor); args: `{ course?, assignment, student?, notebook? }`.
   * Without a student: the first submission that still needs a manual grade.
   */
  export const grade = 'hotstepper-course:grade';
  /** Marks the active notebook cell for nbgrader, asking its role and points. */
  export const markCell = 'hotstepper-course:mark-cell';
  /** The same, without asking: args `{ kind: CellKind, points?: number }`. */
  export const setCellKind = 'hotstepper-course:set-cell-kind';
}
