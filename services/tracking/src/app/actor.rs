use segnala_shared::AppError;

/// Who is acting: a crew (limited to its departments), an operator, or tracking itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    /// `None`: every department.
    pub departments: Option<Vec<String>>,
}

impl Actor {
    pub fn everywhere(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            departments: None,
        }
    }

    pub fn may_see(&self, department: &str) -> bool {
        self.departments
            .as_ref()
            .is_none_or(|mine| mine.iter().any(|d| d == department))
    }

    /// The departments a request about `department` (empty: all of the actor's) covers.
    pub fn departments_for(&self, department: &str) -> Result<Option<Vec<String>>, AppError> {
        if department.is_empty() {
            return Ok(self.departments.clone());
        }
        if !self.may_see(department) {
            return Err(AppError::invalid(
                "department",
                format!("`{department}` is not one of your departments"),
            ));
        }
        Ok(Some(vec![department.to_owned()]))
    }
}
