import type { CellKind } from '@hotstepper/api';
import { COURSE_CELL_KINDS } from '@hotstepper/api/constants';
import { LazyPanel, loadSettings } from '@hotstepper/core';
import {
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  MainAreaWidget,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import type { Widget } from '@lumino/widgets';
import { CellKindForm, kindLabels } from './cellDialog';
import { NBGRADER_KEY, setCellKind } from './cellKind';
import { courseIcon, gradeCellIcon } from './icons';
import { CourseModel, DEFAULT_SETTINGS, type ICourseSettings } from './model';
import { CommandIDs } from './tokens';

export { CourseModel } from './model';
export { CommandIDs } from './tokens';
export { cellKind, setCellKind } from './cellKind';

const PLUGIN_ID = '@hotstepper/course:panel';

function activate(
  app: JupyterFrontEnd,
  translator: ITranslator | null,
  restorer: ILayoutRestorer | null,
  settingRegistry: ISettingRegistry | null,
  palette: ICommandPalette | null,
  notebooks: INotebookTracker | null
): void {
  translator = translator ?? nullTranslator;
  const trans = translator.load('hotstepper');
  const { commands, shell } = app;
  const model = new CourseModel({ serverSettings: app.serviceManager.serverSettings });
  let settings: ICourseSettings = DEFAULT_SETTINGS;

  const open = (path: string) => {
    // A file opens in its editor or viewer; a folder in the file browser.
    const isFile = /\.[^/]+$/.test(path);
    void commands.execute(isFile ? 'docmanager:open' : 'filebrowser:go-to-path', { path });
  };
  const confirm = async (title: string, body: string, accept: string) => {
    const result = await showDialog({
      title,
      body,
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: accept })]
    });
    return result.button.accept;
  };

  // The panel, the grading and gradebook views are a chunk of their own, fetched on first use.
  const sidebar = new LazyPanel({
    load: async () => {
      const { CoursePanel } = await import('./components/CoursePanel');
      return new CoursePanel({
        model,
        trans,
        onOpen: open,
        onGrade: assignment => void commands.execute(CommandIDs.grade, { assignment }),
        onGradebook: () => void commands.execute(CommandIDs.gradebook),
        confirm
      });
    },
    loadingText: trans.__('Loading…'),
    errorText: message => trans.__('The Course panel could not be loaded: %1', message)
  });
  sidebar.id = 'hs-course-panel';
  sidebar.title.caption = trans.__('Course');
  sidebar.title.icon = courseIcon;
  shell.add(sidebar, 'left', { rank: 160 });
  restorer?.add(sidebar, 'hotstepper-course-panel');

  // One tab per course (gradebook) and per assignment (grading), found again when asked twice.
  const tabs = new Map<string, MainAreaWidget>();
  const showTab = async (key: string, make: () => Promise<Widget>, label: string) => {
    let tab = tabs.get(key);
    if (!tab || tab.isDisposed) {
      const content = await make();
      tab = new MainAreaWidget({ content });
      tab.id = `hs-course-${key.replace(/[^A-Za-z0-9_-]/g, '-')}`;
      tab.title.label = label;
      tab.title.icon = courseIcon;
      tab.title.closable = true;
      tabs.set(key, tab);
      shell.add(tab, 'main');
    }
    shell.activateById(tab.id);
    return tab;
  };
  const instructorCourse = (args: { course?: unknown }) => {
    const id = String(args.course ?? model.course?.id ?? '');
    return model.courses.value?.courses.find(c => c.id === id && c.role === 'instructor');
  };

  commands.addCommand(CommandIDs.open, {
    label: trans.__('Show Course'),
    caption: trans.__('Your courses: assignments, grading and feedback'),
    icon: args => (args.isPalette ? undefined : courseIcon),
    execute: () => shell.activateById(sidebar.id)
  });
  commands.addCommand(CommandIDs.refresh, {
    label: trans.__('Refresh Course'),
    execute: () => model.refresh()
  });
  commands.addCommand(CommandIDs.gradebook, {
    label: trans.__('Open Gradebook'),
    caption: trans.__('Students × assignments of the course you teach, with totals and CSV export'),
    isEnabled: args => !!instructorCourse(args),
    execute: async args => {
      const course = instructorCourse(args);
      if (!course) {
        return;
      }
      await showTab(
        `gradebook/${course.id}`,
        async () => {
          const [{ GradebookPanel }, { GradebookModel }] = await Promise.all([
            import('./components/GradebookView'),
            import('./gradebook')
          ]);
          return new GradebookPanel({
            model: new GradebookModel({
              course: course.id,
              serverSettings: app.serviceManager.serverSettings,
              refreshRate: settings.refreshRate
            }),
            trans,
            bins: settings.histogramBins,
            onGrade: (assignment, student) =>
              void commands.execute(CommandIDs.grade, { course: course.id, assignment, student })
          });
        },
        trans.__('Gradebook · %1', course.title || course.id)
      );
    }
  });
  commands.addCommand(CommandIDs.grade, {
    label: args =>
      args.assignment
        ? trans.__('Grade %1', String(args.assignment))
        : trans.__('Grade Submissions'),
    caption: trans.__('Manual grading, one submission at a time'),
    isEnabled: args => !!instructorCourse(args) && !!args.assignment,
    execute: async args => {
      const course = instructorCourse(args);
      const assignment = String(args.assignment ?? '');
      if (!course || !assignment) {
        return;
      }
      const notebook =
        (args.notebook as string | undefined) ??
        (course.id === model.course?.id
          ? model.assignment(assignment)?.notebooks[0]?.name
          : undefined);
      if (!notebook) {
        Notification.warning(trans.__('%1 has no notebook to grade yet', assignment));
        return;
      }
      const key = `grade/${course.id}/${assignment}`;
      const existing = tabs.get(key);
      const tab = await showTab(
        key,
        async () => {
          const [{ GradingPanel }, { GradingModel }] = await Promise.all([
            import('./components/GradingView'),
            import('./grading')
          ]);
          return new GradingPanel({
            model: new GradingModel({
              course: course.id,
              assignment,
              serverSettings: app.serviceManager.serverSettings,
              preload: settings.preloadNext
            }),
            trans
          });
        },
        trans.__('Grade · %1', assignment)
      );
      const grading = (tab.content as import('./components/GradingView').GradingPanel).model;
      if (args.student) {
        await grading.open({ student: String(args.student), notebook });
      } else if (!existing || existing.isDisposed) {
        if (!(await grading.openFirst(notebook))) {
          Notification.info(trans.__('No submission of %1 to grade yet', assignment), {
            autoClose: 4000
          });
        }
      }
    }
  });

  // Marking cells for nbgrader: the cell toolbar (schema/panel.json) and the palette.
  const activeCell = () => notebooks?.activeCell?.model ?? null;
  const applyKind = (kind: CellKind, points?: number, gradeId?: string) => {
    const cell = activeCell();
    if (!cell) {
      return;
    }
    const notebook = notebooks?.currentWidget?.content.model;
    const taken =
      gradeId &&
      [...(notebook?.cells ?? [])].some(
        c =>
          c !== cell &&
          (c.getMetadata(NBGRADER_KEY) as { grade_id?: string } | undefined)?.grade_id === gradeId
      );
    try {
      if (taken) {
        throw new Error(trans.__('Another cell of this notebook has the id %1', gradeId));
      }
      setCellKind(cell, kind, { points, gradeId });
    } catch (err) {
      Notification.error((err as Error).message, { autoClose: 5000 });
    }
  };
  const canMark = () => !!activeCell() && model.teachesAny;
  commands.addCommand(CommandIDs.markCell, {
    label: trans.__('Mark Cell for nbgrader…'),
    caption: trans.__('Answer, autograded tests, manually graded with points, or read-only'),
    icon: args => (args.isPalette ? undefined : gradeCellIcon),
    isVisible: () => model.teachesAny,
    isEnabled: canMark,
    execute: async () => {
      const cell = activeCell();
      if (!cell) {
        return;
      }
      const result = await showDialog({
        title: trans.__('Mark cell for nbgrader'),
        body: new CellKindForm(cell, trans),
        buttons: [Dialog.cancelButton(), Dialog.okButton({ label: trans.__('Apply') })],
        focusNodeSelector: 'select'
      });
      if (result.button.accept && result.value) {
        applyKind(result.value.kind, result.value.points, result.value.gradeId);
      }
    }
  });
  const labels = kindLabels(trans);
  commands.addCommand(CommandIDs.setCellKind, {
    label: args =>
      trans.__('Mark Cell as %1', labels[(args.kind as CellKind) ?? 'other'] ?? String(args.kind)),
    isEnabled: canMark,
    execute: args => {
      const kind = String(args.kind) as CellKind;
      if (!(COURSE_CELL_KINDS as readonly string[]).includes(kind)) {
        throw new Error(`Unknown cell role ${kind}`);
      }
      applyKind(kind, typeof args.points === 'number' ? args.points : undefined);
    }
  });

  const category = trans.__('Hotstepper');
  palette?.addItem({ command: CommandIDs.open, category });
  palette?.addItem({ command: CommandIDs.refresh, category });
  palette?.addItem({ command: CommandIDs.gradebook, category });
  palette?.addItem({ command: CommandIDs.markCell, category });

  loadSettings(settingRegistry, PLUGIN_ID, DEFAULT_SETTINGS, value => {
    settings = value;
    model.settings = value;
    for (const tab of tabs.values()) {
      const content = tab.content as Widget & {
        bins?: number;
        model?: { preload?: boolean; setRefreshRate?: (n: number) => void };
      };
      if (!tab.isDisposed && 'bins' in content) {
        content.bins = value.histogramBins;
        content.model?.setRefreshRate?.(value.refreshRate);
      } else if (!tab.isDisposed && content.model && 'preload' in content.model) {
        content.model.preload = value.preloadNext;
      }
    }
  });
  // The cell toolbar's button shows for instructors only: told once the courses are known.
  let teaches = false;
  model.changed.connect(() => {
    if (model.teachesAny !== teaches) {
      teaches = model.teachesAny;
      commands.notifyCommandChanged(CommandIDs.markCell);
    }
  });
  // Not awaited: the courses arrive once the backend answers (shown or not: the cell toolbar).
  void model.load(6);
}

/** The Course panel, manual grading and gradebook tabs, and marking cells for nbgrader. */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'A left-sidebar Course panel for nbgrader courses (students and instructors), manual grading and gradebook tabs, and a cell toolbar item to mark cells for nbgrader.',
  autoStart: true,
  optional: [ITranslator, ILayoutRestorer, ISettingRegistry, ICommandPalette, INotebookTracker],
  activate
};

export default plugin;
