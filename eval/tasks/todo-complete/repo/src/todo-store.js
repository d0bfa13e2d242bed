/** Todos in memory, in the order they were added. */
export class TodoStore {
  #todos = [];
  #nextId = 1;

  add(title) {
    const todo = { id: this.#nextId++, title, done: false };
    this.#todos.push(todo);
    return todo.id;
  }

  list() {
    return this.#todos.map((todo) => ({ ...todo }));
  }

  remaining() {
    return this.#todos.length;
  }
}
