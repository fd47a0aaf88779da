import type { CellKind } from '@hotstepper/api';
import type { ICellModel } from '@jupyterlab/cells';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import {
  MARKABLE_KINDS,
  NBGRADER_KEY,
  allowedOn,
  cellKind,
  cellPoints,
  hasPoints
} from './cellKind';

export interface ICellKindChoice {
  kind: CellKind;
  points?: number;
  gradeId?: string;
}

/** The roles in words, as nbgrader's own toolbar names them. */
export function kindLabels(trans: TranslationBundle): Record<CellKind, string> {
  return {
    solution: trans.__('Autograded answer'),
    tests: trans.__('Autograded tests'),
    manual: trans.__('Manually graded answer'),
    task: trans.__('Manually graded task'),
    readonly: trans.__('Read-only'),
    other: trans.__('Not graded (–)')
  };
}

/** The body of the "Mark cell for nbgrader" dialog: role, points, cell id. */
export class CellKindForm extends Widget {
  constructor(cell: ICellModel, trans: TranslationBundle) {
    super();
    this.addClass('hs-CellKindForm');
    const labels = kindLabels(trans);
    const kind = cellKind(cell);
    const meta = cell.getMetadata(NBGRADER_KEY) as { grade_id?: string } | undefined;

    this._kind = document.createElement('select');
    this._kind.className = 'jp-mod-styled';
    for (const k of MARKABLE_KINDS) {
      const option = document.createElement('option');
      option.value = k;
      option.textContent = labels[k];
      option.disabled = !allowedOn(k, cell.type);
      option.selected = k === kind;
      this._kind.appendChild(option);
    }
    this._points = document.createElement('input');
    this._points.className = 'jp-mod-styled';
    this._points.type = 'number';
    this._points.min = '0';
    this._points.step = 'any';
    this._points.value = String(cellPoints(cell) ?? 1);
    this._gradeId = document.createElement('input');
    this._gradeId.className = 'jp-mod-styled';
    this._gradeId.placeholder = trans.__('made up when empty');
    this._gradeId.value = meta?.grade_id ?? '';

    const field = (text: string, input: HTMLElement) => {
      const label = document.createElement('label');
      label.textContent = text;
      label.appendChild(input);
      this.node.appendChild(label);
      return label;
    };
    field(trans.__('Role'), this._kind);
    this._pointsLabel = field(trans.__('Points'), this._points);
    field(trans.__('Cell id'), this._gradeId);
    const sync = () => {
      this._pointsLabel.hidden = !hasPoints(this._kind.value as CellKind);
    };
    this._kind.addEventListener('change', sync);
    sync();
  }

  getValue(): ICellKindChoice {
    const kind = this._kind.value as CellKind;
    return {
      kind,
      points: hasPoints(kind) ? Number(this._points.value) : undefined,
      gradeId: this._gradeId.value.trim() || undefined
    };
  }

  protected onAfterAttach(): void {
    this._kind.focus();
  }

  private readonly _kind: HTMLSelectElement;
  private readonly _points: HTMLInputElement;
  private readonly _gradeId: HTMLInputElement;
  private readonly _pointsLabel: HTMLLabelElement;
}
