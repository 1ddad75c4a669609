//! Why a row was rejected.

use std::fmt;

/// A reject reason code, stored in `rejects.reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RejectReason {
    /// The row has the wrong number of fields (a truncated or merged line).
    FieldCount,
    /// The row is not valid UTF-8.
    InvalidUtf8,
    /// The month is not `YYYY-MM`.
    BadMonth,
    /// A coordinate is not a number, or only one of the pair is present.
    BadCoordinate,
    /// A coordinate is a number outside [-180, 180] / [-90, 90].
    CoordinateOutOfRange,
    /// The crime type is not one of the police.uk types.
    UnknownCategory,
    /// A required id (Crime ID in an outcomes file) is empty.
    MissingId,
    /// A date-time cannot be parsed.
    BadDate,
    /// A True/False field holds something else.
    BadBoolean,
}

impl RejectReason {
    /// Every reason.
    pub const ALL: [RejectReason; 9] = [
        Self::FieldCount,
        Self::InvalidUtf8,
        Self::BadMonth,
        Self::BadCoordinate,
        Self::CoordinateOutOfRange,
        Self::UnknownCategory,
        Self::MissingId,
        Self::BadDate,
        Self::BadBoolean,
    ];

    /// The code stored in `rejects.reason`.
    pub fn code(self) -> &'static str {
        match self {
            Self::FieldCount => "field_count",
            Self::InvalidUtf8 => "invalid_utf8",
            Self::BadMonth => "bad_month",
            Self::BadCoordinate => "bad_coordinate",
            Self::CoordinateOutOfRange => "coordinate_out_of_range",
            Self::UnknownCategory => "unknown_category",
            Self::MissingId => "missing_id",
            Self::BadDate => "bad_date",
            Self::BadBoolean => "bad_boolean",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A rejected row: why, which field, and a message that says what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// The reason code.
    pub reason: RejectReason,
    /// The column that failed, where one did.
    pub field: Option<&'static str>,
    /// What is wrong, in words.
    pub message: String,
}

impl Rejection {
    /// A rejection of one field.
    pub fn field(reason: RejectReason, field: &'static str, message: impl Into<String>) -> Rejection {
        Rejection {
            reason,
            field: Some(field),
            message: message.into(),
        }
    }

    /// A rejection of the whole row.
    pub fn row(reason: RejectReason, message: impl Into<String>) -> Rejection {
        Rejection {
            reason,
            field: None,
            message: message.into(),
        }
    }
}

/// The text that replaces a person identifier in a rejected row.
pub const MASK: &str = "[masked]";
